package io.stopguard.sim;

import static io.stopguard.sim.Params.decimal;
import static io.stopguard.sim.Params.required;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Bitget's TP/SL plan orders: place-tpsl-order, place-pos-tpsl, modify-tpsl-order and
 * cancel-plan-order, validated as Bitget does (and, where the docs are silent, the stricter way:
 * bitget-sim/README.md, FIDELITY.md). Every method runs under the exchange's monitor (its callers
 * in {@link SimExchange} hold it).
 */
final class TpslOrders {
  private final SimExchange ex;

  TpslOrders(SimExchange ex) {
    this.ex = ex;
  }

  /** {@code place-tpsl-order}: validates like Bitget, then stores the order. */
  Shapes.Ids place(Account a, Map<String, String> b) {
    String symbol = required(b, "symbol").toUpperCase(Locale.ROOT);
    required(b, "marginCoin");
    String planTypeWire = required(b, "planType");
    String triggerText = required(b, "triggerPrice");
    String holdSideWire = required(b, "holdSide");
    Contract c = ex.contract(symbol);
    if (c == null) throw SimError.bad("40034", "Parameter " + symbol + " does not exist");
    PlanKind planType = PlanKind.of(planTypeWire).filter(PlanKind::tpsl).orElseThrow(SimError::paramInvalid);
    String triggerType = b.getOrDefault("triggerType", "fill_price");
    if (triggerType.isEmpty()) triggerType = "fill_price";
    if (!Plan.TRIGGER_TYPES.contains(triggerType)) throw SimError.paramInvalid();
    // One-way mode names the side buy/sell, hedge mode long/short; a mix-up is 40774.
    Side holdSide = switch (holdSideWire) {
      case "buy", "sell" -> {
        if (a.hedge()) throw unilateral();
        yield Side.opened(holdSideWire.equals("buy"));
      }
      case "long", "short" -> {
        if (!a.hedge()) throw unilateral();
        yield Side.of(holdSideWire).orElseThrow();
      }
      default -> throw SimError.paramInvalid();
    };
    BigDecimal trigger = decimal(triggerText, "triggerPrice");
    if (trigger.signum() <= 0) throw SimError.paramInvalid();
    if (!c.validPrice(trigger)) {
      throw SimError.bad("41103", "Parameter triggerPrice precision error, checkScale=" + c.pricePlace
          + " step=" + c.tick().toPlainString());
    }
    BigDecimal execute = null;
    String exec = b.get("executePrice");
    if (exec != null && !exec.isEmpty()) {
      execute = decimal(exec, "executePrice");
      if (execute.signum() < 0) throw SimError.bad("43011", "The parameter executePrice <= 0 not allowed");
      if (execute.signum() == 0) execute = null;
      else if (!c.validPrice(execute)) throw SimError.bad("41103", "Parameter executePrice precision error");
    }
    if (planType == PlanKind.POS_LOSS) {
      String live = a.plans.stream().filter(o -> o.planType == PlanKind.POS_LOSS && o.symbol.equals(symbol)
          && o.holdSide == holdSide).map(o -> o.clientOid).findFirst().orElse(null);
      ex.history().add(ex.now(), "place-attempt", a.uid, symbol, holdSide.wire, planType.wire, b.get("clientOid"), live, triggerText);
    }
    Pos p = a.position(symbol, holdSide).orElseThrow(() ->
        SimError.bad("40812", "The current position does not exist or the planType is not supported"));
    BigDecimal size = null;
    String sizeText = b.get("size");
    if (!planType.wholePosition()) { // loss_plan, profit_plan, moving_plan: a size of the position
      if (sizeText == null || sizeText.isEmpty()) throw SimError.missing("size");
      size = decimal(sizeText, "size");
      if (!c.validSize(size)) throw SimError.bad("40808", "Parameter verification exception size checkBDScale error value="
          + sizeText + " checkScale=" + c.volumePlace);
      if (size.compareTo(c.minTradeNum) < 0) throw SimError.bad("45110", "less than the minimum order quantity");
      if (size.compareTo(p.total) > 0) throw SimError.bad("40762", "The order amount exceeds the balance");
    }
    // Stop-loss triggers must be on the loss side of the mark price, take-profits on the profit side.
    BigDecimal mark = c.markPrice;
    boolean loss = planType.loss();
    if (loss && p.isLong() && trigger.compareTo(mark) >= 0) {
      throw SimError.bad("40917", "Stop price for long positions please < mark price " + mark.toPlainString());
    }
    if (loss && !p.isLong() && trigger.compareTo(mark) <= 0) {
      throw SimError.bad("45122", "Short position stop loss price please > mark price " + mark.toPlainString());
    }
    if (planType.profit()) {
      if (p.isLong() ? trigger.compareTo(mark) <= 0 : trigger.compareTo(mark) >= 0) {
        throw SimError.bad("40915", "Take profit price for " + p.holdSide + " positions must be on the profit side of mark price "
            + mark.toPlainString());
      }
    }
    String clientOid = b.get("clientOid");
    if (clientOid != null && !clientOid.isEmpty()) {
      if (a.clientOids.contains(clientOid)) throw SimError.bad(ex.fidelity().duplicateClientOid(), "Duplicate clientOid");
    } else {
      clientOid = null;
    }
    // Unknown (FIDELITY.md): a second position TP/SL of the same kind is rejected, or replaces the first.
    List<Plan> same = a.plans.stream().filter(o -> o.planType == planType && o.symbol.equals(symbol)
        && o.holdSide == holdSide).toList();
    if (planType.wholePosition() && !same.isEmpty()) {
      if (!ex.fidelity().replaceSecondPosLoss()) {
        throw SimError.bad("400172", "The position already has a " + planType + " order; modify or cancel it first");
      }
      for (Plan old : same) {
        a.plans.remove(old);
        ex.firePlan(a, old, "cancelled");
      }
    }
    if (clientOid != null) a.clientOids.add(clientOid);
    String orderId = ex.nextId();
    if (clientOid == null) clientOid = orderId + "_sim";
    // Prices are kept (and listed) at the contract's pricePlace, however the request wrote them ("71" is "71.00").
    Plan placed = new Plan(orderId, clientOid, symbol, planType, holdSide, trigger.setScale(c.pricePlace, RoundingMode.UNNECESSARY),
        triggerType, execute, size, ex.now());
    if (planType.wholePosition() && sizeText != null && !sizeText.isEmpty()) placed.sentSize = decimal(sizeText, "size");
    a.plans.add(placed);
    ex.firePlan(a, placed, "live");
    return new Shapes.Ids(orderId, clientOid);
  }

  /**
   * {@code place-pos-tpsl}: the position's stop-loss (and take-profit) in one call; validated and
   * stored exactly like place-tpsl-order's pos_loss / pos_profit. Returns the created orders.
   */
  List<Shapes.Ids> placePositionTpsl(Account a, Map<String, String> b) {
    List<Shapes.Ids> out = new ArrayList<>();
    String sl = b.get("stopLossTriggerPrice");
    String tp = b.get("stopSurplusTriggerPrice");
    if (Params.blank(sl) && Params.blank(tp)) throw SimError.missing("stopLossTriggerPrice");
    if (!Params.blank(sl)) out.add(place(a, asTpslOrder(b, PlanKind.POS_LOSS, sl, "stopLoss")));
    if (!Params.blank(tp)) out.add(place(a, asTpslOrder(b, PlanKind.POS_PROFIT, tp, "stopSurplus")));
    return out;
  }

  /** One half of a place-pos-tpsl body as the place-tpsl-order body it amounts to ({@code prefix}: stopLoss / stopSurplus). */
  private static Map<String, String> asTpslOrder(Map<String, String> b, PlanKind kind, String trigger, String prefix) {
    Map<String, String> one = new LinkedHashMap<>(b);
    one.put("planType", kind.wire);
    one.put("triggerPrice", trigger);
    one.put("triggerType", b.getOrDefault(prefix + "TriggerType", "fill_price"));
    one.put("executePrice", b.getOrDefault(prefix + "ExecutePrice", ""));
    one.remove("clientOid"); // Bitget assigns them
    return one;
  }

  /**
   * {@code modify-tpsl-order}: new trigger (and size for partial types) on a live TPSL order, with
   * the same validation as placement. {@code orderId} or {@code clientOid} names the order.
   */
  Shapes.Ids modify(Account a, Map<String, String> b) {
    String symbol = required(b, "symbol").toUpperCase(Locale.ROOT);
    required(b, "marginCoin");
    String triggerText = required(b, "triggerPrice");
    String oid = b.get("orderId");
    String coid = b.get("clientOid");
    if ((oid == null || oid.isEmpty()) && (coid == null || coid.isEmpty())) throw SimError.missing("orderId");
    Plan o = a.plans.stream()
        .filter(x -> oid != null && !oid.isEmpty() ? x.orderId.equals(oid) : x.clientOid.equals(coid))
        .filter(x -> x.symbol.equals(symbol) && x.planType.tpsl())
        .findFirst().orElseThrow(() -> SimError.bad("43025", "Plan order does not exist"));
    Contract c = ex.contract(symbol);
    BigDecimal trigger = decimal(triggerText, "triggerPrice");
    if (trigger.signum() <= 0) throw SimError.paramInvalid();
    if (!c.validPrice(trigger)) throw SimError.bad("41103", "Parameter triggerPrice precision error, checkScale=" + c.pricePlace);
    String triggerType = b.getOrDefault("triggerType", o.triggerType);
    if (triggerType.isEmpty()) triggerType = o.triggerType;
    if (!Plan.TRIGGER_TYPES.contains(triggerType)) throw SimError.paramInvalid();
    Pos p = a.position(symbol, o.holdSide).orElseThrow(() ->
        SimError.bad("40812", "The current position does not exist or the planType is not supported"));
    BigDecimal mark = c.markPrice;
    boolean loss = o.planType.loss();
    if (loss && p.isLong() && trigger.compareTo(mark) >= 0) {
      throw SimError.bad("40917", "Stop price for long positions please < mark price " + mark.toPlainString());
    }
    if (loss && !p.isLong() && trigger.compareTo(mark) <= 0) {
      throw SimError.bad("45122", "Short position stop loss price please > mark price " + mark.toPlainString());
    }
    String sizeText = b.get("size");
    if (!o.planType.wholePosition() && sizeText != null && !sizeText.isEmpty()) {
      BigDecimal size = decimal(sizeText, "size");
      if (!c.validSize(size)) throw SimError.bad("40808", "Parameter verification exception size checkBDScale error value="
          + sizeText + " checkScale=" + c.volumePlace);
      if (size.compareTo(p.total) > 0) throw SimError.bad("40762", "The order amount exceeds the balance");
      o.size = size;
    }
    o.triggerPrice = trigger.setScale(c.pricePlace, RoundingMode.UNNECESSARY);
    o.triggerType = triggerType;
    o.uTime = ex.now();
    ex.firePlan(a, o, "live");
    return new Shapes.Ids(o.orderId, o.clientOid);
  }

  /**
   * {@code cancel-plan-order}. Without {@code planType} only normal trigger orders are in scope:
   * TPSL orders need their planType (pos_loss, profit_loss, ...), as on Bitget (freqtrade #13066).
   */
  Shapes.Cancelled cancel(Account a, String symbol, String planType, List<Map<String, String>> ids) {
    Predicate<Plan> inScope = o -> {
      if (planType == null || planType.isEmpty() || planType.equals("normal_plan")) return o.planType == PlanKind.NORMAL_PLAN;
      if (planType.equals("profit_loss")) return o.planType.tpsl();
      return o.planType.wire.equals(planType);
    };
    List<Shapes.Ids> ok = new ArrayList<>();
    List<Shapes.Failure> failed = new ArrayList<>();
    if (ids == null || ids.isEmpty()) {
      for (var it = a.plans.iterator(); it.hasNext(); ) {
        Plan o = it.next();
        if ((symbol == null || o.symbol.equalsIgnoreCase(symbol)) && inScope.test(o)) {
          it.remove();
          ex.firePlan(a, o, "cancelled");
          ok.add(new Shapes.Ids(o.orderId, o.clientOid));
        }
      }
    } else {
      for (Map<String, String> id : ids) {
        String oid = id.get("orderId");
        String coid = id.get("clientOid");
        Optional<Plan> hit = a.plans.stream()
            .filter(o -> (oid != null && !oid.isEmpty()) ? o.orderId.equals(oid) : o.clientOid.equals(coid))
            .filter(o -> symbol == null || o.symbol.equalsIgnoreCase(symbol))
            .filter(inScope)
            .findFirst();
        if (hit.isPresent()) {
          a.plans.remove(hit.get());
          ex.firePlan(a, hit.get(), "cancelled");
          ok.add(new Shapes.Ids(hit.get().orderId, hit.get().clientOid));
        } else {
          failed.add(new Shapes.Failure(oid == null ? "" : oid, coid == null ? "" : coid, "Plan order does not exist", "43025"));
        }
      }
    }
    if (ok.isEmpty() && !failed.isEmpty() && ex.fidelity().cancelUnknown().equals("error")) {
      throw SimError.bad("43025", "Plan order does not exist");
    }
    return new Shapes.Cancelled(ok, failed);
  }

  private static SimError unilateral() {
    return SimError.bad("40774", "The order type for unilateral position must also be the unilateral position type.");
  }
}
