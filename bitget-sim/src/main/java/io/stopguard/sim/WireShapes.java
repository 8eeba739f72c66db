package io.stopguard.sim;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the simulator answers, in Bitget's shapes: contracts, tickers, accounts, positions, plan
 * lists (REST) and the {@code positions} / {@code orders-algo} pushes. Reads only; every method
 * runs under the exchange's monitor (its callers in {@link SimExchange} hold it).
 */
final class WireShapes {
  private final SimExchange ex;

  WireShapes(SimExchange ex) {
    this.ex = ex;
  }

  List<Map<String, Object>> contractsJson(String symbol) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Contract c : ex.contractList()) {
      if (symbol != null && !c.symbol.equalsIgnoreCase(symbol)) continue;
      Map<String, Object> m = PublicMarkets.contractShape(c.symbol, c.symbol.replace("USDT", ""), "USDT", List.of("USDT"));
      m.put("minTradeNum", c.minTradeNum.toPlainString());
      m.put("priceEndStep", Integer.toString(c.priceEndStep));
      m.put("volumePlace", Integer.toString(c.volumePlace));
      m.put("pricePlace", Integer.toString(c.pricePlace));
      m.put("sizeMultiplier", c.sizeMultiplier.toPlainString());
      m.put("maxLever", Integer.toString(c.maxLever));
      out.add(m);
    }
    return out;
  }

  List<Map<String, Object>> positionsJson(Account a, String marginCoin) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Pos p : a.positions) {
      Contract c = ex.contract(p.symbol);
      BigDecimal mark = c.markPrice;
      BigDecimal diff = p.isLong() ? mark.subtract(p.openPriceAvg) : p.openPriceAvg.subtract(mark);
      BigDecimal upl = diff.multiply(p.total).setScale(8, RoundingMode.HALF_UP).stripTrailingZeros();
      BigDecimal margin = p.openPriceAvg.multiply(p.total)
          .divide(BigDecimal.valueOf(p.leverage), 8, RoundingMode.HALF_UP).stripTrailingZeros();
      Optional<Plan> sl = a.plans.stream().filter(o -> o.planType.equals("pos_loss") && o.symbol.equals(p.symbol)
          && o.holdSide.equals(p.holdSide)).findFirst();
      Optional<Plan> tp = a.plans.stream().filter(o -> o.planType.equals("pos_profit") && o.symbol.equals(p.symbol)
          && o.holdSide.equals(p.holdSide)).findFirst();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("marginCoin", marginCoin);
      m.put("symbol", p.symbol);
      m.put("holdSide", p.holdSide);
      m.put("openDelegateSize", "0");
      m.put("marginSize", margin.toPlainString());
      m.put("available", p.total.toPlainString());
      m.put("locked", "0");
      m.put("total", p.total.toPlainString());
      m.put("leverage", Integer.toString(p.leverage));
      m.put("achievedProfits", "0");
      m.put("openPriceAvg", p.openPriceAvg.toPlainString());
      m.put("marginMode", p.marginMode);
      m.put("posMode", a.posMode);
      m.put("unrealizedPL", upl.toPlainString());
      m.put("liquidationPrice", p.liquidationPrice.toPlainString());
      m.put("keepMarginRate", SimExchange.MAINTENANCE_MARGIN_RATE.toPlainString());
      m.put("markPrice", mark.toPlainString());
      m.put("marginRatio", "0");
      m.put("breakEvenPrice", p.openPriceAvg.toPlainString());
      m.put("totalFee", "0");
      m.put("deductedFee", "0");
      m.put("assetMode", "single");
      m.put("autoMargin", "off");
      m.put("takeProfit", tp.map(o -> o.triggerPrice.toPlainString()).orElse(""));
      m.put("stopLoss", sl.map(o -> o.triggerPrice.toPlainString()).orElse(""));
      m.put("takeProfitId", tp.map(o -> o.orderId).orElse(""));
      m.put("stopLossId", sl.map(o -> o.orderId).orElse(""));
      m.put("cTime", Long.toString(p.cTime));
      m.put("uTime", Long.toString(p.uTime));
      out.add(m);
    }
    return out;
  }

  /** One page of pending plan orders, newest first, with Bitget's {@code endId} cursor. */
  Map<String, Object> pendingPlansJson(Account a, String planQuery, String symbol, String orderId,
      String clientOid, Long idLessThan, int limit, String marginCoin) {
    List<Plan> matching = a.plans.stream()
        .filter(o -> planQuery.equals("profit_loss") ? Plan.TPSL_TYPES.contains(o.planType) : o.planType.equals(planQuery))
        .filter(o -> symbol == null || o.symbol.equalsIgnoreCase(symbol))
        .filter(o -> orderId == null || o.orderId.equals(orderId))
        .filter(o -> orderId != null || clientOid == null || o.clientOid.equals(clientOid))
        .filter(o -> idLessThan == null || Long.parseLong(o.orderId) < idLessThan)
        .sorted(Comparator.comparing((Plan o) -> Long.parseLong(o.orderId)).reversed())
        .limit(limit)
        .toList();
    List<Map<String, Object>> list = new ArrayList<>();
    for (Plan o : matching) list.add(planJson(a, o, marginCoin));
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("entrustedList", list.isEmpty() ? null : list);
    data.put("endId", matching.isEmpty() ? null : matching.get(matching.size() - 1).orderId);
    return data;
  }

  Map<String, Object> planJson(Account a, Plan o, String marginCoin) {
    Pos p = a.position(o.symbol, o.holdSide).orElse(null);
    boolean wholePosition = o.planType.startsWith("pos_");
    Fidelity f = ex.fidelity();
    BigDecimal size = !wholePosition ? o.size
        : f.posLossSize().equals("sent") ? o.sentSize
        : (p != null ? p.total : BigDecimal.ZERO);
    boolean normal = o.planType.equals("normal_plan") || o.planType.equals("track_plan");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("planType", o.planType);
    m.put("symbol", f.planSymbolCase().equals("lower") ? o.symbol.toLowerCase(Locale.ROOT) : o.symbol);
    m.put("size", size == null ? "" : size.toPlainString());
    m.put("orderId", o.orderId);
    m.put("clientOid", o.clientOid);
    m.put("price", o.executePrice == null ? "0" : o.executePrice.toPlainString());
    m.put("executePrice", o.executePrice == null ? "0" : o.executePrice.toPlainString());
    m.put("callbackRatio", "");
    m.put("triggerPrice", o.triggerPrice.toPlainString());
    m.put("triggerType", o.triggerType);
    m.put("planStatus", "live");
    // Unknown (FIDELITY.md): in one-way mode, side is the position's direction (buy = long) or the
    // closing side (sell for a long); hedge mode: the position's direction (Bitget's hedge convention).
    boolean closingSide = !a.hedge() && f.oneWaySide().equals("closing");
    String posDirection = o.holdSide.equals("long") ? "buy" : "sell";
    m.put("side", normal ? o.side : closingSide ? (posDirection.equals("buy") ? "sell" : "buy") : posDirection);
    m.put("posSide", a.hedge() ? o.holdSide : "net");
    m.put("marginCoin", marginCoin.toLowerCase(Locale.ROOT));
    m.put("marginMode", p != null ? p.marginMode : "crossed");
    m.put("enterPointSource", "API");
    m.put("tradeSide", normal ? (a.hedge() ? o.tradeSide : o.side + "_single") : "close");
    m.put("posMode", a.posMode);
    m.put("orderType", o.executePrice == null ? "market" : "limit");
    m.put("orderSource", normal ? (o.executePrice == null ? "market" : "limit")
        : o.planType + (o.executePrice == null ? "_market" : "_limit"));
    m.put("cTime", Long.toString(o.cTime));
    m.put("uTime", Long.toString(o.uTime));
    m.put("stopSurplusExecutePrice", "");
    m.put("stopSurplusTriggerPrice", "");
    m.put("stopSurplusTriggerType", "");
    m.put("stopLossExecutePrice", "");
    m.put("stopLossTriggerPrice", "");
    m.put("stopLossTriggerType", "");
    return m;
  }

  /** {@code symbol-price}: last, index and mark price. */
  List<Map<String, Object>> symbolPriceJson(String symbol) {
    Contract c = ex.contract(symbol);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("symbol", c.symbol);
    m.put("price", c.lastPrice.toPlainString());
    m.put("indexPrice", c.markPrice.toPlainString());
    m.put("markPrice", c.markPrice.toPlainString());
    m.put("ts", Long.toString(ex.now()));
    return List.of(m);
  }

  /** {@code ticker}: last (follows mark unless moved alone), mark = index. */
  List<Map<String, Object>> tickerJson(String symbol) {
    Contract c = ex.contract(symbol.toUpperCase(Locale.ROOT));
    if (c == null) throw SimError.bad("40034", "Parameter " + symbol + " does not exist");
    String mark = c.markPrice.toPlainString();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("symbol", c.symbol);
    m.put("lastPr", c.lastPrice.toPlainString());
    m.put("askPr", mark);
    m.put("bidPr", mark);
    m.put("bidSz", "1");
    m.put("askSz", "1");
    m.put("high24h", mark);
    m.put("low24h", mark);
    m.put("ts", Long.toString(ex.now()));
    m.put("change24h", "0");
    m.put("baseVolume", "0");
    m.put("quoteVolume", "0");
    m.put("usdtVolume", "0");
    m.put("openUtc", mark);
    m.put("changeUtc24h", "0");
    m.put("indexPrice", mark);
    m.put("fundingRate", "0.0001");
    m.put("holdingAmount", "0");
    m.put("deliveryStartTime", null);
    m.put("deliveryTime", null);
    m.put("deliveryStatus", "");
    m.put("open24h", mark);
    m.put("markPrice", mark);
    return List.of(m);
  }

  /** {@code account}: balances are nominal; {@code posMode} is the account's position mode. */
  Map<String, Object> accountJson(Account a, String marginCoin, String symbol) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("marginCoin", marginCoin);
    if (symbol != null) { // the single-account form carries the symbol's leverage
      String lev = Integer.toString(ex.settings.leverage(a, symbol));
      m.put("crossedMarginLeverage", lev);
      m.put("isolatedLongLever", lev);
      m.put("isolatedShortLever", lev);
    }
    m.put("locked", "0");
    m.put("available", "10000");
    m.put("crossedMaxAvailable", "10000");
    m.put("isolatedMaxAvailable", "10000");
    m.put("maxTransferOut", "10000");
    m.put("accountEquity", "10000");
    m.put("usdtEquity", "10000");
    m.put("crossedRiskRate", "0");
    m.put("unrealizedPL", "0");
    m.put("marginMode", "crossed");
    m.put("posMode", a.posMode);
    m.put("assetMode", "single");
    return m;
  }

  /** A snapshot of the whole state, for the control API. */
  Map<String, Object> stateJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, String> marks = new LinkedHashMap<>();
    ex.contractList().forEach(c -> marks.put(c.symbol, c.markPrice.toPlainString()));
    m.put("markPrices", marks);
    List<Map<String, Object>> accts = new ArrayList<>();
    for (Account a : ex.accounts()) {
      Map<String, Object> am = new LinkedHashMap<>();
      am.put("uid", a.uid);
      am.put("posMode", a.posMode);
      am.put("positions", positionsJson(a, "USDT"));
      List<Map<String, Object>> plans = new ArrayList<>();
      for (Plan o : a.plans) plans.add(planJson(a, o, "USDT"));
      am.put("planOrders", plans);
      accts.add(am);
    }
    m.put("accounts", accts);
    return m;
  }

  /** The positions push of the WebSocket {@code positions} channel. */
  List<Map<String, Object>> wsPositionsJson(String apiKey) {
    Account a = ex.accountByKey(apiKey);
    List<Map<String, Object>> out = new ArrayList<>();
    if (a == null) return out;
    for (Map<String, Object> r : positionsJson(a, "USDT")) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("posId", Integer.toHexString((a.uid + r.get("symbol") + r.get("holdSide")).hashCode()));
      m.put("instId", r.get("symbol"));
      m.put("marginCoin", r.get("marginCoin"));
      m.put("marginSize", r.get("marginSize"));
      m.put("marginMode", r.get("marginMode"));
      m.put("holdSide", r.get("holdSide"));
      m.put("posMode", r.get("posMode"));
      m.put("total", r.get("total"));
      m.put("available", r.get("available"));
      m.put("frozen", "0");
      m.put("openPriceAvg", r.get("openPriceAvg"));
      m.put("leverage", r.get("leverage"));
      m.put("achievedProfits", "0");
      m.put("unrealizedPL", r.get("unrealizedPL"));
      m.put("unrealizedPLR", "0");
      m.put("liquidationPrice", r.get("liquidationPrice"));
      m.put("keepMarginRate", r.get("keepMarginRate"));
      m.put("marginRate", "0");
      m.put("cTime", r.get("cTime"));
      m.put("uTime", r.get("uTime"));
      m.put("autoMargin", "off");
      out.add(m);
    }
    return out;
  }

  /** Live plan orders in the orders-algo push shape. */
  List<Map<String, Object>> wsPlansJson(String apiKey) {
    Account a = ex.accountByKey(apiKey);
    List<Map<String, Object>> out = new ArrayList<>();
    if (a != null) for (Plan o : a.plans) out.add(wsPlanJson(a, o, "live"));
    return out;
  }

  /**
   * orders-algo uses short planType codes. Bitget documents "pl" (default) and names tp/ptp; the
   * rest is the simulator's choice: pos_loss psl, pos_profit ptp, loss_plan sl, profit_plan tp,
   * moving_plan track, normal_plan pl.
   */
  static String wsPlanType(String planType) {
    return switch (planType) {
      case "pos_loss" -> "psl";
      case "pos_profit" -> "ptp";
      case "loss_plan" -> "sl";
      case "profit_plan" -> "tp";
      case "moving_plan" -> "track";
      default -> "pl";
    };
  }

  Map<String, Object> wsPlanJson(Account a, Plan o, String status) {
    Map<String, Object> rest = planJson(a, o, "USDT");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("instId", o.symbol);
    m.put("orderId", o.orderId);
    m.put("clientOid", o.clientOid);
    m.put("triggerPrice", o.triggerPrice.toPlainString());
    m.put("triggerType", o.triggerType);
    m.put("triggerTime", status.equals("executed") ? Long.toString(ex.now()) : "");
    m.put("planType", wsPlanType(o.planType));
    m.put("price", rest.get("price"));
    m.put("executePrice", rest.get("executePrice"));
    m.put("size", rest.get("size"));
    m.put("actualSize", "0");
    m.put("orderType", rest.get("orderType"));
    m.put("side", rest.get("side"));
    m.put("tradeSide", "close");
    m.put("posSide", rest.get("posSide"));
    m.put("marginCoin", "USDT");
    m.put("status", status);
    m.put("posMode", a.posMode);
    m.put("enterPointSource", "API");
    m.put("cTime", Long.toString(o.cTime));
    m.put("uTime", Long.toString(ex.now()));
    return m;
  }
}
