// Drives stock ccxt (pinned in package.json), through its unified API only, against bitget-sim.
// The one change to ccxt is where it sends requests: every `urls.api` entry points at the simulator.
// Usage: node ccxt.mjs <baseUrl>. Exit 0 when every step behaves like Bitget.
// Accounts (sim-scenario.yaml): 9001 one-way with a DASHUSDT short and no stop; 9002 hedge mode, flat.
import ccxt from 'ccxt';
import assert from 'node:assert/strict';

const baseUrl = process.argv[2];
if (!baseUrl) {
  console.error('usage: node ccxt.mjs <baseUrl>');
  process.exit(2);
}
function client(apiKey, secret, password) {
  const ex = new ccxt.bitget({ apiKey, secret, password, options: { defaultType: 'swap' } });
  for (const k of Object.keys(ex.urls.api)) ex.urls.api[k] = baseUrl;
  return ex;
}
const oneWay = client('bg_conf', 'conf-secret', 'conf-pass');
const hedge = client('bg_conf_hedge', 'conf-secret-2', 'conf-pass-2');
const DASH = 'DASH/USDT:USDT';
const ETH = 'ETH/USDT:USDT';

const steps = [];
async function step(name, fn) {
  try {
    await fn();
    steps.push(`ok   ${name}`);
  } catch (e) {
    steps.push(`FAIL ${name}: ${e?.constructor?.name ?? ''} ${e?.message ?? JSON.stringify(e)}`);
  }
}
const position = async (ex, symbol, side) =>
  (await ex.fetchPositions([symbol])).find((p) => p.symbol === symbol && p.side === side && p.contracts > 0);

await step('loadMarkets: every product type, the USDT perpetuals with their tick and step', async () => {
  const markets = await oneWay.loadMarkets();
  const dash = markets[DASH];
  assert.ok(dash, 'no ' + DASH);
  assert.equal(dash.swap, true);
  assert.equal(dash.linear, true);
  assert.equal(dash.precision.price, 0.01);
  assert.equal(dash.precision.amount, 0.01);
  assert.equal(dash.limits.amount.min, 0.01);
  assert.ok(markets['BTC/USD:BTC']?.inverse, 'coin-margined market');
  assert.ok(Object.values(markets).some((m) => m.spot), 'spot markets');
  await hedge.loadMarkets();
});

await step('fetchBalance (swap)', async () => {
  const b = await oneWay.fetchBalance();
  assert.ok(b.USDT.total > 0);
  assert.ok(b.USDT.free > 0);
});

await step('fetchTicker', async () => {
  const t = await oneWay.fetchTicker(DASH);
  assert.equal(t.symbol, DASH);
  assert.equal(t.last, 68.5);
});

await step('fetchMarkPrice', async () => {
  const t = await oneWay.fetchMarkPrice(DASH);
  assert.equal(t.symbol, DASH);
  assert.equal(t.markPrice, 68.5);
});

await step('setLeverage', async () => {
  const r = await oneWay.setLeverage(5, ETH);
  assert.equal(String(r.data?.longLeverage ?? r.longLeverage ?? r.info?.longLeverage), '5');
  await assert.rejects(oneWay.setLeverage(500, ETH), ccxt.ExchangeError); // 40797, over maxLever
});

await step('fetchPositions: the bare DASHUSDT short', async () => {
  const ps = await oneWay.fetchPositions();
  const p = ps.find((x) => x.symbol === DASH);
  assert.ok(p, 'no DASH position');
  assert.equal(p.side, 'short');
  assert.equal(p.contracts, 0.21);
  assert.equal(p.entryPrice, 68.1);
  assert.ok(p.liquidationPrice > 68.5);
});

let slId;
await step('createOrder with stopLossPrice (one-way): a pos_loss on the short', async () => {
  const o = await oneWay.createOrder(DASH, 'market', 'buy', 0.21, undefined, { stopLossPrice: 70.43 });
  assert.ok(o.id);
  slId = o.id;
});

await step('fetchOpenOrders with stopLoss planType: the stop is listed under the market', async () => {
  const os = await oneWay.fetchOpenOrders(DASH, undefined, undefined, { planType: 'profit_loss' });
  const o = os.find((x) => x.id === slId);
  assert.ok(o, 'stop not listed: ' + JSON.stringify(os.map((x) => x.id)));
  assert.equal(o.symbol, DASH);
  assert.equal(o.stopLossPrice ?? o.triggerPrice, 70.43);
  assert.equal(o.info.planType, 'pos_loss');
});

await step('editOrder of the stop-loss: new trigger', async () => {
  await oneWay.editOrder(slId, DASH, 'market', 'buy', 0.21, undefined, { stopLossPrice: 71.0 });
  const os = await oneWay.fetchOpenOrders(DASH, undefined, undefined, { planType: 'profit_loss' });
  assert.equal(os.find((x) => x.id === slId)?.info.triggerPrice, '71.00');
});

await step('a stop-loss on the wrong side of mark is refused as Bitget does', async () => {
  await assert.rejects(oneWay.createOrder(ETH, 'market', 'sell', 0.01, undefined, { stopLossPrice: 3000 }), ccxt.ExchangeError);
});

await step('cancelOrder of the stop-loss (trigger, planType pos_loss)', async () => {
  await oneWay.cancelOrder(slId, DASH, { trigger: true, planType: 'pos_loss' });
  const os = await oneWay.fetchOpenOrders(DASH, undefined, undefined, { planType: 'profit_loss' });
  assert.ok(!os.some((x) => x.id === slId));
});

let triggerId;
await step('createOrder with triggerPrice: a normal_plan order, listed with trigger: true', async () => {
  const o = await oneWay.createOrder(ETH, 'market', 'buy', 0.01, undefined, { triggerPrice: 3600 });
  triggerId = o.id;
  const os = await oneWay.fetchOpenOrders(ETH, undefined, undefined, { trigger: true });
  assert.ok(os.some((x) => x.id === triggerId && x.triggerPrice === 3600));
});

await step('cancelOrder of a trigger order', async () => {
  await oneWay.cancelOrder(triggerId, ETH, { trigger: true });
  const os = await oneWay.fetchOpenOrders(ETH, undefined, undefined, { trigger: true });
  assert.ok(!os.some((x) => x.id === triggerId));
});

await step('market order opens a one-way position, reduceOnly closes it', async () => {
  await oneWay.createOrder(ETH, 'market', 'buy', 0.05);
  const p = await position(oneWay, ETH, 'long');
  assert.equal(p?.contracts, 0.05);
  await oneWay.createOrder(ETH, 'market', 'sell', 0.05, undefined, { reduceOnly: true });
  assert.equal(await position(oneWay, ETH, 'long'), undefined);
});

let limitId;
await step('limit order rests below mark: fetchOpenOrders, fetchOrder', async () => {
  const o = await oneWay.createOrder(ETH, 'limit', 'buy', 0.02, 3000);
  limitId = o.id;
  const os = await oneWay.fetchOpenOrders(ETH);
  assert.ok(os.some((x) => x.id === limitId && x.price === 3000 && x.amount === 0.02));
  const d = await oneWay.fetchOrder(limitId, ETH);
  assert.equal(d.status, 'open');
  assert.equal(d.side, 'buy');
});

await step('cancelOrder of a resting limit order', async () => {
  await oneWay.cancelOrder(limitId, ETH);
  const d = await oneWay.fetchOrder(limitId, ETH);
  assert.equal(d.status, 'canceled');
});

await step('hedge mode: open long, stopLossPrice with hedged, close', async () => {
  await hedge.createOrder(ETH, 'market', 'buy', 0.03, undefined, { hedged: true });
  const p = await position(hedge, ETH, 'long');
  assert.equal(p?.contracts, 0.03);
  const sl = await hedge.createOrder(ETH, 'market', 'sell', 0.03, undefined, { stopLossPrice: 3400, hedged: true });
  const os = await hedge.fetchOpenOrders(ETH, undefined, undefined, { planType: 'profit_loss' });
  const o = os.find((x) => x.id === sl.id);
  assert.equal(o?.info.posSide, 'long');
  await assert.rejects(hedge.createOrder(ETH, 'market', 'sell', 0.03, undefined, { stopLossPrice: 3400 }), ccxt.ExchangeError,
      'one-way holdSide on a hedge account must be refused (40774)');
  await hedge.createOrder(ETH, 'market', 'sell', 0.03, undefined, { hedged: true, reduceOnly: true });
  assert.equal(await position(hedge, ETH, 'long'), undefined);
});

await step('a bad passphrase is an AuthenticationError', async () => {
  const bad = client('bg_conf', 'conf-secret', 'wrong');
  bad.markets = oneWay.markets;
  bad.markets_by_id = oneWay.markets_by_id;
  await assert.rejects(bad.fetchBalance(), ccxt.AuthenticationError);
});

for (const s of steps) console.log(s);
process.exit(steps.every((s) => s.startsWith('ok')) ? 0 : 1);
