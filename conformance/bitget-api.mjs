// Drives the npm package `bitget-api` (RestClientV2), unchanged but for its base URL, against
// bitget-sim. Usage: node bitget-api.mjs <baseUrl>. Exit 0 when every step behaves like Bitget.
// Account: the scenario in sim-scenario.yaml (uid 9001, key bg_conf, one DASHUSDT short, no stop).
import { RestClientV2 } from 'bitget-api';
import assert from 'node:assert/strict';

const baseUrl = process.argv[2];
if (!baseUrl) {
  console.error('usage: node bitget-api.mjs <baseUrl>');
  process.exit(2);
}
const client = new RestClientV2({ apiKey: 'bg_conf', apiSecret: 'conf-secret', apiPass: 'conf-pass', baseUrl });
const productType = 'USDT-FUTURES';
const steps = [];
async function step(name, fn) {
  try {
    await fn();
    steps.push(`ok   ${name}`);
  } catch (e) {
    steps.push(`FAIL ${name}: ${e?.message ?? JSON.stringify(e)}`);
  }
}

await step('server time', async () => {
  const r = await client.getServerTime();
  assert.equal(r.code, '00000');
  assert.ok(Math.abs(Number(r.data.serverTime) - Date.now()) < 10_000);
});

await step('contracts', async () => {
  const r = await client.getFuturesContractConfig({ productType });
  const dash = r.data.find((c) => c.symbol === 'DASHUSDT');
  assert.equal(dash.pricePlace, '2');
  assert.equal(dash.minTradeNum, '0.01');
});

await step('all positions', async () => {
  const r = await client.getFuturesPositions({ productType, marginCoin: 'USDT' });
  assert.equal(r.data.length, 1);
  assert.equal(r.data[0].symbol, 'DASHUSDT');
  assert.equal(r.data[0].holdSide, 'short');
  assert.equal(r.data[0].total, '0.21');
});

await step('pending plan orders (profit_loss): none yet', async () => {
  const r = await client.getFuturesPlanOrders({ productType, planType: 'profit_loss' });
  assert.ok(!r.data.entrustedList || r.data.entrustedList.length === 0);
});

let orderId;
await step('place a pos_loss', async () => {
  const r = await client.futuresSubmitTPSLOrder({
    marginCoin: 'USDT', productType, symbol: 'DASHUSDT', planType: 'pos_loss', triggerPrice: '70.43',
    triggerType: 'mark_price', holdSide: 'sell', clientOid: 'conf-1',
  });
  assert.equal(r.code, '00000');
  orderId = r.data.orderId;
  assert.ok(orderId);
  assert.equal(r.data.clientOid, 'conf-1');
});

await step('the pos_loss is pending', async () => {
  const r = await client.getFuturesPlanOrders({ productType, planType: 'profit_loss', symbol: 'DASHUSDT' });
  const o = r.data.entrustedList.find((x) => x.orderId === orderId);
  assert.equal(o.planType, 'pos_loss');
  assert.equal(o.triggerPrice, '70.43');
});

await step('cancel the pos_loss', async () => {
  const r = await client.futuresCancelPlanOrder({
    productType, symbol: 'DASHUSDT', marginCoin: 'USDT', orderIdList: [{ orderId }], planType: 'pos_loss',
  });
  assert.equal(r.data.successList[0].orderId, orderId);
  const after = await client.getFuturesPlanOrders({ productType, planType: 'profit_loss' });
  assert.ok(!after.data.entrustedList || after.data.entrustedList.length === 0);
});

await step('a bad signature is rejected with Bitget\'s code', async () => {
  const bad = new RestClientV2({ apiKey: 'bg_conf', apiSecret: 'wrong', apiPass: 'conf-pass', baseUrl });
  let err;
  try {
    await bad.getFuturesPositions({ productType, marginCoin: 'USDT' });
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'expected a rejection');
  const body = err.body ?? err.response?.data ?? err;
  assert.equal(String(body.code), '40009');
});

for (const s of steps) console.log(s);
process.exit(steps.every((s) => s.startsWith('ok')) ? 0 : 1);
