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
 * What the simulator answers, in Bitget's shapes: positions, plan lists and the {@code positions} /
 * {@code orders-algo} pushes as {@link Shapes} records (what the guard reads); contracts, tickers,
 * accounts and the control API's state as maps. Reads only; every method runs under the exchange's
 * monitor (its callers in {@link SimExchange} hold it).
 */
final class WireShapes {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
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

  List<Shapes.Position> positionsJson(Account a, String marginCoin) {
    List<Shapes.Position> out = new ArrayList<>();
    for (Pos p : a.positions) {
      Contract c = ex.contract(p.symbol);
      BigDecimal mark = c.markPrice;
      BigDecimal diff = p.isLong() ? mark.subtract(p.openPriceAvg) : p.openPriceAvg.subtract(mark);
      BigDecimal upl = diff.multiply(p.total).setScale(8, RoundingMode.HALF_UP).stripTrailingZeros();
      BigDecimal margin = p.openPriceAvg.multiply(p.total)
          .divide(BigDecimal.valueOf(p.leverage), 8, RoundingMode.HALF_UP).stripTrailingZeros();
      Optional<Plan> sl = a.plans.stream().filter(o -> o.planType == PlanKind.POS_LOSS && o.symbol.equals(p.symbol)
          && o.holdSide == p.holdSide).findFirst();
      Optional<Plan> tp = a.plans.stream().filter(o -> o.planType == PlanKind.POS_PROFIT && o.symbol.equals(p.symbol)
          && o.holdSide == p.holdSide).findFirst();
      String total = p.total.toPlainString();
      String entry = p.openPriceAvg.toPlainString();
      out.add(new Shapes.Position(marginCoin, p.symbol, p.holdSide, "0", margin.toPlainString(), total, "0", total,
          Integer.toString(p.leverage), "0", entry, p.marginMode, a.posMode, upl.toPlainString(),
          p.liquidationPrice.toPlainString(), SimExchange.MAINTENANCE_MARGIN_RATE.toPlainString(), mark.toPlainString(), "0",
          entry, "0", "0", "single", "off", tp.map(o -> o.triggerPrice.toPlainString()).orElse(""),
          sl.map(o -> o.triggerPrice.toPlainString()).orElse(""), tp.map(o -> o.orderId).orElse(""),
          sl.map(o -> o.orderId).orElse(""), Long.toString(p.cTime), Long.toString(p.uTime)));
    }
    return out;
  }

  /** One page of pending plan orders, newest first, with Bitget's {@code endId} cursor. */
  Shapes.PlanPage pendingPlansJson(Account a, String planQuery, String symbol, String orderId,
      String clientOid, Long idLessThan, int limit, String marginCoin) {
    List<Plan> matching = a.plans.stream()
        .filter(o -> planQuery.equals("profit_loss") ? o.planType.tpsl() : o.planType.wire.equals(planQuery))
        .filter(o -> symbol == null || o.symbol.equalsIgnoreCase(symbol))
        .filter(o -> orderId == null || o.orderId.equals(orderId))
        .filter(o -> orderId != null || clientOid == null || o.clientOid.equals(clientOid))
        .filter(o -> idLessThan == null || Long.parseLong(o.orderId) < idLessThan)
        .sorted(Comparator.comparing((Plan o) -> Long.parseLong(o.orderId)).reversed())
        .limit(limit)
        .toList();
    if (matching.isEmpty()) return new Shapes.PlanPage(null, null);
    return new Shapes.PlanPage(matching.stream().map(o -> planJson(a, o, marginCoin)).toList(), matching.getLast().orderId);
  }

  Shapes.PlanOrder planJson(Account a, Plan o, String marginCoin) {
    Pos p = a.position(o.symbol, o.holdSide).orElse(null);
    Fidelity f = ex.fidelity();
    BigDecimal size = !o.planType.wholePosition() ? o.size
        : f.posLossSize().equals("sent") ? o.sentSize
        : (p != null ? p.total : BigDecimal.ZERO);
    boolean normal = !o.planType.tpsl();
    String execute = o.executePrice == null ? "0" : o.executePrice.toPlainString();
    String orderType = o.executePrice == null ? "market" : "limit";
    // Unknown (FIDELITY.md): in one-way mode, side is the position's direction (buy = long) or the
    // closing side (sell for a long); hedge mode: the position's direction (Bitget's hedge convention).
    boolean closingSide = !a.hedge() && f.oneWaySide().equals("closing");
    String posDirection = o.holdSide.isLong() ? "buy" : "sell";
    String side = normal ? o.side : closingSide ? (posDirection.equals("buy") ? "sell" : "buy") : posDirection;
    return new Shapes.PlanOrder(o.planType, f.planSymbolCase().equals("lower") ? o.symbol.toLowerCase(Locale.ROOT) : o.symbol,
        size == null ? "" : size.toPlainString(), o.orderId, o.clientOid, execute, execute, "", o.triggerPrice.toPlainString(),
        o.triggerType, "live", side, a.hedge() ? o.holdSide.wire : "net", marginCoin.toLowerCase(Locale.ROOT),
        p != null ? p.marginMode : "crossed", "API", normal ? (a.hedge() ? o.tradeSide : o.side + "_single") : "close",
        a.posMode, orderType, normal ? orderType : o.planType.wire + "_" + orderType, Long.toString(o.cTime),
        Long.toString(o.uTime), "", "", "", "", "", "");
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
      am.put("planOrders", a.plans.stream().map(o -> planJson(a, o, "USDT")).toList());
      accts.add(am);
    }
    m.put("accounts", accts);
    // Plain maps and lists all the way down (the shapes as their JSON would read), for callers that walk it.
    return JSON.convertValue(m, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
  }

  /** The positions push of the WebSocket {@code positions} channel. */
  List<Shapes.WsPosition> wsPositionsJson(String apiKey) {
    Account a = ex.accountByKey(apiKey);
    if (a == null) return List.of();
    return positionsJson(a, "USDT").stream().map(r -> new Shapes.WsPosition(
        Integer.toHexString((a.uid + r.symbol() + r.holdSide().wire).hashCode()), r.symbol(), r.marginCoin(), r.marginSize(),
        r.marginMode(), r.holdSide(), r.posMode(), r.total(), r.available(), "0", r.openPriceAvg(), r.leverage(), "0",
        r.unrealizedPL(), "0", r.liquidationPrice(), r.keepMarginRate(), "0", r.cTime(), r.uTime(), "off")).toList();
  }

  /** Live plan orders in the orders-algo push shape. */
  List<Shapes.WsPlan> wsPlansJson(String apiKey) {
    Account a = ex.accountByKey(apiKey);
    if (a == null) return List.of();
    return a.plans.stream().map(o -> wsPlanJson(a, o, "live")).toList();
  }

  /**
   * orders-algo uses short planType codes. Bitget documents "pl" (default) and names tp/ptp; the
   * rest is the simulator's choice: pos_loss psl, pos_profit ptp, loss_plan sl, profit_plan tp,
   * moving_plan track, normal_plan pl.
   */
  static String wsPlanType(PlanKind planType) {
    return switch (planType) {
      case POS_LOSS -> "psl";
      case POS_PROFIT -> "ptp";
      case LOSS_PLAN -> "sl";
      case PROFIT_PLAN -> "tp";
      case MOVING_PLAN -> "track";
      case NORMAL_PLAN, TRACK_PLAN -> "pl";
    };
  }

  Shapes.WsPlan wsPlanJson(Account a, Plan o, String status) {
    Shapes.PlanOrder rest = planJson(a, o, "USDT");
    return new Shapes.WsPlan(o.symbol, o.orderId, o.clientOid, o.triggerPrice.toPlainString(), o.triggerType,
        status.equals("executed") ? Long.toString(ex.now()) : "", wsPlanType(o.planType), rest.price(), rest.executePrice(),
        rest.size(), "0", rest.orderType(), rest.side(), "close", rest.posSide(), "USDT", status, a.posMode, "API",
        Long.toString(o.cTime), Long.toString(ex.now()));
  }
}
