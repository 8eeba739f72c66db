// The one-account stop-loss check written with ccxt, the way a team without stopguard would script
// it: read the positions and the pending TP/SL plan orders, report every position without a pos_loss.
// bench/startup times it beside `stopguard check` (which does more: it also reads the key from the
// encrypted store and writes the flag, the metrics file and the results log).
//   BITGET_BASE_URL=http://127.0.0.1:PORT BITGET_API_KEY=.. BITGET_API_SECRET=.. BITGET_API_PASSPHRASE=.. \
//   BITGET_UID=.. node check.mjs
import ccxt from 'ccxt';

const env = (name) => {
  const v = process.env[name];
  if (!v) { console.error(`check.mjs: set ${name}`); process.exit(2); }
  return v;
};
const base = env('BITGET_BASE_URL');
const uid = env('BITGET_UID');
const exchange = new ccxt.bitget({
  apiKey: env('BITGET_API_KEY'), secret: env('BITGET_API_SECRET'), password: env('BITGET_API_PASSPHRASE'),
});
for (const k of Object.keys(exchange.urls.api)) exchange.urls.api[k] = base;

const productType = 'USDT-FUTURES';
const [positions, plans] = await Promise.all([
  exchange.privateMixGetV2MixPositionAllPosition({ productType, marginCoin: 'USDT' }),
  exchange.privateMixGetV2MixOrderOrdersPlanPending({ productType, planType: 'profit_loss' }),
]);
const stops = (plans.data?.entrustedList ?? []).filter((o) => o.planType === 'pos_loss');
const missing = [];
for (const p of positions.data ?? []) {
  if (!(Number(p.total) > 0)) continue;
  const covered = stops.some((o) => o.symbol.toUpperCase() === p.symbol.toUpperCase()
      && (o.posSide === p.holdSide || o.posSide === 'net')); // 'net': one-way mode, one position per symbol
  if (!covered) missing.push(`${uid}:${p.symbol.toUpperCase()}:${p.holdSide.toUpperCase()}`);
}
console.log(`stoploss_missing=[${missing.join(',')}]`);
process.exit(missing.length ? 1 : 0);
