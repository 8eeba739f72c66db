package io.stopguard.sim;

import static io.stopguard.sim.Params.blank;
import static io.stopguard.sim.Params.decimal;
import static io.stopguard.sim.Params.required;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Regular orders and conditional ({@code normal_plan}) orders, as far as third-party clients need
 * them to open, resize and close positions: place-order, cancel-order, orders-pending, order
 * detail and place-plan-order (leverage and position mode: {@link AccountSettings}). There is no
 * order book: a market order fills at the last price, a limit order fills at once if marketable, else rests until the last price reaches
 * it. Every method runs under the exchange's monitor (its callers in {@link SimExchange} and
 * {@link RestApi} hold it).
 *
 * <p>Position semantics follow Bitget's v2 docs for place-order: in hedge mode {@code tradeSide}
 * open/close is required and {@code side} names the position's direction (buy + close closes a
 * long); in one-way mode {@code side} nets against the position, {@code reduceOnly=YES} only reduces.
 */
final class Trading {
  private static final BigDecimal EQUITY = new BigDecimal("10000");

  private final SimExchange ex;

  Trading(SimExchange ex) {
    this.ex = ex;
  }

  // ------------------------------------------------------------------ place-order

  Shapes.Ids placeOrder(Account a, Map<String, String> b) {
    Order o = newOrder(a, b);
    a.orders.add(o);
    Contract c = ex.contract(o.symbol);
    boolean marketable = o.price == null
        || (o.side.equals("buy") ? o.price.compareTo(c.lastPrice) >= 0 : o.price.compareTo(c.lastPrice) <= 0);
    if (marketable && "post_only".equals(o.force)) {
      o.status = "canceled"; // a post-only order that would take is cancelled, never filled
    } else if (marketable) {
      fill(a, o, c.lastPrice);
    } else if ("ioc".equals(o.force) || "fok".equals(o.force)) {
      o.status = "canceled";
    }
    return ids(o.orderId, o.clientOid);
  }

  private Order newOrder(Account a, Map<String, String> b) {
    String symbol = required(b, "symbol");
    required(b, "marginCoin");
    String marginMode = required(b, "marginMode").toLowerCase(Locale.ROOT);
    if (!marginMode.equals("isolated") && !marginMode.equals("crossed")) throw SimError.paramInvalid();
    String side = required(b, "side").toLowerCase(Locale.ROOT);
    if (!side.equals("buy") && !side.equals("sell")) throw SimError.paramInvalid();
    String orderType = required(b, "orderType").toLowerCase(Locale.ROOT);
    if (!orderType.equals("market") && !orderType.equals("limit")) throw SimError.paramInvalid();
    Contract c = ex.contract(symbol);
    BigDecimal size = decimal(required(b, "size"), "size");
    checkSize(c, size);
    BigDecimal price = null;
    if (orderType.equals("limit")) {
      price = decimal(required(b, "price"), "price");
      if (price.signum() <= 0) throw SimError.paramInvalid();
      if (!c.validPrice(price)) throw SimError.bad("41103", "param price scale error, checkScale=" + c.pricePlace);
    }
    String tradeSide = blank(b.get("tradeSide")) ? null : b.get("tradeSide").toLowerCase(Locale.ROOT);
    boolean reduceOnly = "YES".equalsIgnoreCase(b.get("reduceOnly"));
    if (a.hedge()) {
      if (tradeSide == null) throw SimError.missing("tradeSide");
      if (!tradeSide.equals("open") && !tradeSide.equals("close")) throw SimError.paramInvalid();
      reduceOnly = false; // hedge mode: tradeSide says it
    } else if (tradeSide != null) {
      throw SimError.bad("40774", "The order type for unilateral position must also be the unilateral position type.");
    }
    String force = blank(b.get("force")) ? "gtc" : b.get("force").toLowerCase(Locale.ROOT);
    String clientOid = claimClientOid(a, b.get("clientOid"));
    int lev = a.leverage.getOrDefault(symbol, 10);
    boolean closing = a.hedge() ? tradeSide.equals("close") : reducesOnly(a, symbol, side, size, reduceOnly);
    if (a.hedge() && closing) {
      Pos p = a.position(symbol, Side.opened(side.equals("buy"))).orElseThrow(() -> SimError.bad("22002", "No position to close"));
      if (size.compareTo(p.total) > 0) throw SimError.bad("22002", "No position to close: the order is larger than the position");
    }
    if (!closing) {
      BigDecimal px = price != null ? price : c.lastPrice;
      BigDecimal margin = px.multiply(size).divide(BigDecimal.valueOf(lev), 8, RoundingMode.HALF_UP);
      if (margin.compareTo(available(a)) > 0) throw SimError.bad("40762", "The order amount exceeds the balance");
    }
    String orderId = ex.nextId();
    return new Order(orderId, clientOid != null ? clientOid : orderId + "_sim", symbol, side, tradeSide, orderType, price, size,
        reduceOnly, marginMode, force, lev, ex.now());
  }

  /** One-way: whether the order only reduces; a reduce-only order with nothing to reduce is refused. */
  private boolean reducesOnly(Account a, String symbol, String side, BigDecimal size, boolean reduceOnly) {
    Optional<Pos> p = a.positions.stream().filter(x -> x.symbol.equals(symbol)).findFirst();
    boolean against = p.isPresent() && (p.get().isLong() != side.equals("buy"));
    if (reduceOnly && !against) throw SimError.bad("22002", "No position to close");
    return against && size.compareTo(p.get().total) <= 0;
  }

  private void checkSize(Contract c, BigDecimal size) {
    if (size.signum() <= 0) throw SimError.paramInvalid();
    if (!c.validSize(size)) {
      throw SimError.bad("40808", "Parameter verification exception size checkBDScale error value=" + size.toPlainString()
          + " checkScale=" + c.volumePlace);
    }
    if (size.compareTo(c.minTradeNum) < 0) throw SimError.bad("45110", "less than the minimum order quantity");
  }

  private String claimClientOid(Account a, String clientOid) {
    if (blank(clientOid)) return null;
    if (a.clientOids.contains(clientOid)) throw SimError.bad(ex.fidelity().duplicateClientOid(), "Duplicate clientOid");
    a.clientOids.add(clientOid);
    return clientOid;
  }

  private BigDecimal available(Account a) {
    BigDecimal used = BigDecimal.ZERO;
    for (Pos p : a.positions) {
      used = used.add(p.openPriceAvg.multiply(p.total).divide(BigDecimal.valueOf(p.leverage), 8, RoundingMode.HALF_UP));
    }
    return EQUITY.subtract(used);
  }

  /** Fills the whole order at {@code px} and applies it to the account's positions. */
  private void fill(Account a, Order o, BigDecimal px) {
    Contract c = ex.contract(o.symbol);
    o.status = "filled";
    o.filled = o.size;
    o.priceAvg = px;
    o.uTime = ex.now();
    if (a.hedge()) {
      Side side = Side.opened(o.side.equals("buy"));
      if (o.tradeSide.equals("open")) {
        add(a, c, o, side, o.size, px);
      } else {
        a.position(o.symbol, side).ifPresent(p -> reduce(a, p, o.size));
      }
    } else {
      BigDecimal left = o.size;
      Optional<Pos> held = a.positions.stream().filter(x -> x.symbol.equals(o.symbol)).findFirst();
      if (held.isPresent() && held.get().isLong() != o.side.equals("buy")) {
        Pos p = held.get();
        BigDecimal cut = left.min(p.total);
        reduce(a, p, cut);
        left = o.reduceOnly ? BigDecimal.ZERO : left.subtract(cut);
      }
      if (left.signum() > 0) add(a, c, o, Side.opened(o.side.equals("buy")), left, px);
    }
    ex.history().add(ex.now(), "order-fill", a.uid, o.symbol, o.side, o.tradeSide, o.clientOid, null, o.size.toPlainString());
    ex.firePositions(a);
  }

  private void add(Account a, Contract c, Order o, Side side, BigDecimal size, BigDecimal px) {
    Optional<Pos> existing = a.position(o.symbol, side);
    if (existing.isPresent()) {
      Pos p = existing.get();
      BigDecimal total = p.total.add(size);
      p.openPriceAvg = c.round(p.openPriceAvg.multiply(p.total).add(px.multiply(size)).divide(total, MathContext.DECIMAL64),
          RoundingMode.HALF_UP);
      p.total = total;
      p.liquidationPrice = SimExchange.liquidationPrice(c, p.isLong(), p.openPriceAvg, p.leverage);
      p.uTime = ex.now();
      ex.resizedByHand(a, p);
    } else {
      a.positions.add(new Pos(o.symbol, side, size, px, o.leverage, o.marginMode,
          SimExchange.liquidationPrice(c, side.isLong(), px, o.leverage), ex.now()));
    }
  }

  private void reduce(Account a, Pos p, BigDecimal size) {
    if (size.compareTo(p.total) >= 0) {
      ex.closedByHand(a, p);
    } else {
      p.total = p.total.subtract(size);
      p.uTime = ex.now();
      ex.resizedByHand(a, p);
    }
  }

  // ------------------------------------------------------------------ cancel, list, detail

  Shapes.Ids cancelOrder(Account a, Map<String, String> b) {
    String symbol = required(b, "symbol");
    Order o = find(a, symbol, b.get("orderId"), b.get("clientOid"))
        .filter(x -> x.status.equals("live"))
        .orElseThrow(() -> SimError.bad("40768", "Order does not exist"));
    o.status = "canceled";
    o.uTime = ex.now();
    return ids(o.orderId, o.clientOid);
  }

  Shapes.Page<Shapes.RegularOrder> pendingOrdersJson(Account a, String symbol, String orderId, String clientOid, String status,
      Long idLessThan, int limit, String marginCoin) {
    if (status != null && !status.equals("live") && !status.equals("partially_filled")) throw SimError.paramInvalid();
    List<Order> open = a.orders.stream()
        .filter(o -> o.status.equals("live") && (status == null || status.equals("live")))
        .filter(o -> symbol == null || o.symbol.equals(symbol))
        .filter(o -> orderId == null || o.orderId.equals(orderId))
        .filter(o -> clientOid == null || o.clientOid.equals(clientOid))
        .filter(o -> idLessThan == null || Long.parseLong(o.orderId) < idLessThan)
        .sorted(Comparator.comparing((Order o) -> Long.parseLong(o.orderId)).reversed())
        .limit(limit).toList();
    if (open.isEmpty()) return Shapes.Page.empty();
    return new Shapes.Page<>(open.stream().map(o -> orderJson(a, o, marginCoin, false)).toList(), open.getLast().orderId);
  }

  Shapes.RegularOrder detailJson(Account a, String symbol, String orderId, String clientOid, String marginCoin) {
    if (blank(orderId) && blank(clientOid)) throw SimError.missing("orderId");
    Order o = find(a, symbol, orderId, clientOid)
        .orElseThrow(() -> SimError.bad("40109", "The data of the order cannot be found, please confirm the order number"));
    return orderJson(a, o, marginCoin, true);
  }

  private Optional<Order> find(Account a, String symbol, String orderId, String clientOid) {
    if (blank(orderId) && blank(clientOid)) throw SimError.missing("orderId");
    return a.orders.stream().filter(o -> o.symbol.equals(symbol))
        .filter(o -> !blank(orderId) ? o.orderId.equals(orderId) : o.clientOid.equals(clientOid)).findFirst();
  }

  /** The order as a list shows it ({@code status}) or as its detail does ({@code state}). */
  private Shapes.RegularOrder orderJson(Account a, Order o, String marginCoin, boolean detail) {
    return new Shapes.RegularOrder(o.symbol, o.size.toPlainString(), o.orderId, o.clientOid, o.filled.toPlainString(), "0",
        o.price == null ? "0" : o.price.toPlainString(), o.priceAvg == null ? "" : o.priceAvg.toPlainString(),
        detail ? o.status : null, detail ? null : o.status, o.side, o.force, "0",
        a.hedge() ? Side.opened(o.side.equals("buy")).wire : "net", marginCoin,
        o.priceAvg == null ? "0" : o.priceAvg.multiply(o.filled).toPlainString(), Integer.toString(o.leverage), o.marginMode,
        "API", a.hedge() ? o.tradeSide : o.side + "_single", a.posMode, o.orderType, o.orderType, o.reduceOnly ? "YES" : "NO",
        "", "", Long.toString(o.cTime), Long.toString(o.uTime));
  }

  // ------------------------------------------------------------------ conditional (normal_plan) orders

  /**
   * {@code place-plan-order} with {@code planType=normal_plan}: an order that is placed when the
   * mark or last price reaches {@code triggerPrice}. It is not a stop-loss, whatever its side.
   */
  Shapes.Ids placePlanOrder(Account a, Map<String, String> b) {
    String planType = required(b, "planType");
    if (planType.equals(PlanKind.TRACK_PLAN.wire)) {
      throw SimError.bad("400172", "Parameter verification failed: track_plan is not modelled by the simulator");
    }
    if (!planType.equals(PlanKind.NORMAL_PLAN.wire)) throw SimError.paramInvalid();
    String triggerType = required(b, "triggerType");
    if (!Plan.TRIGGER_TYPES.contains(triggerType)) throw SimError.paramInvalid();
    BigDecimal trigger = decimal(required(b, "triggerPrice"), "triggerPrice");
    Contract c = ex.contract(required(b, "symbol"));
    if (trigger.signum() <= 0) throw SimError.paramInvalid();
    if (!c.validPrice(trigger)) throw SimError.bad("41103", "param triggerPrice scale error, checkScale=" + c.pricePlace);
    Map<String, String> orderBody = new LinkedHashMap<>(b);
    orderBody.remove("clientOid"); // the plan's clientOid is the plan's; the order it places gets its own
    Order template = newOrder(a, withoutPositionChecks(orderBody));
    String clientOid = claimClientOid(a, b.get("clientOid"));
    String orderId = ex.nextId();
    Side holdSide = Side.opened(template.side.equals("buy"));
    Plan p = new Plan(orderId, clientOid != null ? clientOid : orderId + "_sim", c.symbol, PlanKind.NORMAL_PLAN, holdSide, trigger,
        triggerType, template.price, template.size, ex.now());
    p.side = template.side;
    p.tradeSide = template.tradeSide;
    p.reduceOnly = template.reduceOnly;
    p.marginMode = template.marginMode;
    BigDecimal px = triggerType.equals("mark_price") ? c.markPrice : c.lastPrice;
    p.triggerAbove = trigger.compareTo(px) >= 0;
    a.plans.add(p);
    ex.firePlan(a, p, "live");
    return ids(p.orderId, p.clientOid);
  }

  /** A conditional order may close later: whether there is a position now does not matter at placement. */
  private static Map<String, String> withoutPositionChecks(Map<String, String> b) {
    Map<String, String> m = new LinkedHashMap<>(b);
    m.remove("reduceOnly");
    if ("close".equalsIgnoreCase(m.get("tradeSide"))) m.put("tradeSide", "open");
    return m;
  }

  /**
   * After a price move on {@code c}: triggered normal_plan orders place their order, resting limit
   * orders the last price reached fill. Returns whether a position changed.
   */
  boolean priceMoved(Account a, Contract c) {
    boolean changed = false;
    for (Plan p : List.copyOf(a.plans)) {
      if (p.planType != PlanKind.NORMAL_PLAN || !p.symbol.equals(c.symbol)) continue;
      BigDecimal px = p.triggerType.equals("mark_price") ? c.markPrice : c.lastPrice;
      if (p.triggerAbove ? px.compareTo(p.triggerPrice) < 0 : px.compareTo(p.triggerPrice) > 0) continue;
      a.plans.remove(p);
      Map<String, String> b = new LinkedHashMap<>();
      b.put("symbol", p.symbol);
      b.put("marginCoin", "USDT");
      b.put("marginMode", p.marginMode);
      b.put("side", p.side);
      if (p.tradeSide != null) b.put("tradeSide", p.tradeSide);
      if (p.reduceOnly) b.put("reduceOnly", "YES");
      b.put("orderType", p.executePrice == null ? "market" : "limit");
      if (p.executePrice != null) b.put("price", p.executePrice.toPlainString());
      b.put("size", p.size.toPlainString());
      try {
        placeOrder(a, b);
        ex.firePlan(a, p, "executed");
        changed = true;
      } catch (SimError e) {
        ex.firePlan(a, p, "fail_trigger");
        ex.history().add(ex.now(), "trigger-failed", a.uid, p.symbol, p.holdSide.wire, p.planType.wire, p.clientOid, null, e.code());
      }
    }
    for (Order o : List.copyOf(a.orders)) {
      if (!o.status.equals("live") || !o.symbol.equals(c.symbol)) continue;
      boolean reached = o.side.equals("buy") ? c.lastPrice.compareTo(o.price) <= 0 : c.lastPrice.compareTo(o.price) >= 0;
      if (!reached) continue;
      fill(a, o, o.price);
      changed = true;
    }
    return changed;
  }

  // ------------------------------------------------------------------ helpers

  private static Shapes.Ids ids(String orderId, String clientOid) {
    return new Shapes.Ids(orderId, clientOid);
  }
}
