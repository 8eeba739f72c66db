package io.stopguard.sim;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * What the simulator answers about its state, as {@link Shapes} records: contracts, tickers,
 * accounts, positions, plan lists and the {@code positions} / {@code orders-algo} pushes; and the
 * control API's state (plain maps of the same shapes). Reads only; every method runs under the
 * exchange's monitor (its callers in {@link SimExchange} hold it).
 */
final class WireShapes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final SimExchange ex;

  WireShapes(SimExchange ex) {
    this.ex = ex;
  }

  List<Shapes.ContractConfig> contractsJson(String symbol) {
    return ex.contractList().stream().filter(c -> symbol == null || c.symbol.equalsIgnoreCase(symbol))
        .map(c -> Shapes.ContractConfig.perpetual(c.symbol, c.symbol.replace("USDT", ""), "USDT", List.of("USDT"),
            c.minTradeNum.toPlainString(), Integer.toString(c.priceEndStep), Integer.toString(c.volumePlace),
            Integer.toString(c.pricePlace), c.sizeMultiplier.toPlainString(), Integer.toString(c.maxLever)))
        .toList();
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
  Shapes.Page<Shapes.PlanOrder> pendingPlansJson(Account a, String planQuery, String symbol, String orderId,
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
    if (matching.isEmpty()) return Shapes.Page.empty();
    return new Shapes.Page<>(matching.stream().map(o -> planJson(a, o, marginCoin)).toList(), matching.getLast().orderId);
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
  List<Shapes.SymbolPrice> symbolPriceJson(String symbol) {
    Contract c = ex.contract(symbol);
    return List.of(new Shapes.SymbolPrice(c.symbol, c.lastPrice.toPlainString(), c.markPrice.toPlainString(),
        c.markPrice.toPlainString(), Long.toString(ex.now())));
  }

  /** {@code ticker}: last (follows mark unless moved alone), mark = index. */
  List<Shapes.Ticker> tickerJson(String symbol) {
    Contract c = ex.contract(symbol.toUpperCase(Locale.ROOT));
    if (c == null) throw SimError.bad("40034", "Parameter " + symbol + " does not exist");
    String mark = c.markPrice.toPlainString();
    return List.of(new Shapes.Ticker(c.symbol, c.lastPrice.toPlainString(), mark, mark, "1", "1", mark, mark,
        Long.toString(ex.now()), "0", "0", "0", "0", mark, "0", mark, "0.0001", "0", null, null, "", mark, mark));
  }

  /** {@code account}: balances are nominal; {@code posMode} is the account's position mode. */
  Shapes.AccountInfo accountJson(Account a, String marginCoin, String symbol) {
    // the single-account form carries the symbol's leverage; the list form does not
    String lev = symbol == null ? null : Integer.toString(ex.settings.leverage(a, symbol));
    return new Shapes.AccountInfo(marginCoin, lev, lev, lev, "0", "10000", "10000", "10000", "10000", "10000", "10000", "0",
        "0", "crossed", a.posMode, "single");
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
    return JSON.convertValue(m, new TypeReference<Map<String, Object>>() {});
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
