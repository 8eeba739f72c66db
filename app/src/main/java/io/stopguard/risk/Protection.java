package io.stopguard.risk;

import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The decision the product exists for: is this position protected? A pure function over the
 * account's positions and pending plan orders and a {@link Policy}: no I/O, no clock, no state.
 *
 * <p>A position is {@link Verdict#PROTECTED} when a valid whole-position stop ({@code pos_loss},
 * or {@code moving_plan} if the policy counts trailing stops) exists, or valid {@code loss_plan}
 * orders cover its size. A stop is valid when it belongs to the position's side, sits on the loss
 * side of the mark price, fires before liquidation and has the trigger type the policy requires.
 */
public final class Protection {
  private static final BigDecimal HUNDRED = new BigDecimal("100");

  private Protection() {}

  public static List<PositionVerdict> evaluate(String userId, List<Position> positions, List<PlanOrder> planOrders) {
    return evaluate(userId, positions, planOrders, Policy.DEFAULT);
  }

  /** One verdict per position, in the order given. */
  public static List<PositionVerdict> evaluate(String userId, List<Position> positions, List<PlanOrder> planOrders,
      Policy policy) {
    List<PositionVerdict> out = new ArrayList<>(positions.size());
    for (Position p : positions) out.add(evaluate(userId, p, planOrders, policy));
    return out;
  }

  public static PositionVerdict evaluate(String userId, Position p, List<PlanOrder> planOrders, Policy policy) {
    List<PlanOrder> forSymbol = new ArrayList<>();
    for (PlanOrder o : planOrders) {
      if (policy.stopTypes().contains(o.planType()) && o.isFor(p.symbol())) forSymbol.add(o);
    }
    if (forSymbol.isEmpty()) {
      return new PositionVerdict(userId, p, Verdict.MISSING, List.of(), List.of("no stop-loss order for this position"));
    }
    List<PlanOrder> mine = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    for (PlanOrder o : forSymbol) {
      String mismatch = sideMismatch(o, p);
      if (mismatch == null) mine.add(o);
      else reasons.add(mismatch);
    }
    if (mine.isEmpty()) return new PositionVerdict(userId, p, Verdict.HOLD_SIDE_MISMATCH, forSymbol, reasons);

    Verdict worst = null;
    BigDecimal partialCover = BigDecimal.ZERO;
    boolean wholeCover = false;
    for (PlanOrder o : mine) {
      Verdict problem = validate(o, p, policy, reasons);
      if (problem != null) {
        if (worst == null || severity(problem) > severity(worst)) worst = problem;
        continue;
      }
      if (o.planType() == PlanType.LOSS_PLAN) {
        if (o.size() != null) partialCover = partialCover.add(o.size());
      } else {
        wholeCover = true;
      }
    }
    if (wholeCover) return new PositionVerdict(userId, p, Verdict.PROTECTED, mine, List.of());
    BigDecimal needed = p.total().multiply(BigDecimal.ONE.subtract(policy.sizeTolerancePercent().divide(HUNDRED)));
    if (partialCover.signum() > 0) {
      if (partialCover.compareTo(needed) >= 0) return new PositionVerdict(userId, p, Verdict.PROTECTED, mine, List.of());
      reasons.add("partial stops cover " + partialCover.toPlainString() + " of " + p.total().toPlainString());
      return new PositionVerdict(userId, p, Verdict.UNDERSIZED, mine, reasons);
    }
    return new PositionVerdict(userId, p, worst == null ? Verdict.MISSING : worst, mine, reasons);
  }

  /** Whether a plan order is on this position (symbol, and side where the mode tells sides apart). */
  public static boolean belongsTo(PlanOrder o, Position p) {
    return o.isFor(p.symbol()) && sideMismatch(o, p) == null;
  }

  /** Which problem to report when several stops are each wrong in their own way. */
  private static int severity(Verdict v) {
    return switch (v) {
      case WRONG_SIDE -> 3;
      case BEYOND_LIQUIDATION -> 2;
      default -> 1;
    };
  }

  /**
   * Why a stop does not belong to this position's side, or null when it does. In one-way mode an
   * account holds one position per symbol, so only an order that claims hedge mode is foreign; the
   * {@code side} field is not trusted there (its meaning for TPSL orders is not documented).
   */
  static String sideMismatch(PlanOrder o, Position p) {
    String posSide = o.posSide() == null ? "" : o.posSide().toLowerCase(Locale.ROOT);
    if (p.posMode() == PosMode.ONE_WAY) {
      if (o.posMode() == PosMode.HEDGE || posSide.equals("long") || posSide.equals("short")) {
        return "stop " + o.orderId() + " is a hedge-mode order (posSide " + posSide + ") on a one-way position";
      }
      return null;
    }
    if (posSide.equals("net") || o.posMode() == PosMode.ONE_WAY) {
      return "stop " + o.orderId() + " is a one-way order on a hedge-mode position";
    }
    HoldSide side = o.holdSide();
    if (side != p.holdSide()) {
      return "stop " + o.orderId() + " protects the " + (side == null ? "unknown" : side.wire()) + " side, not "
          + p.holdSide().wire();
    }
    return null;
  }

  /** The problem with a stop that belongs to the position, or null if it protects. */
  static Verdict validate(PlanOrder o, Position p, Policy policy, List<String> reasons) {
    BigDecimal trigger = o.triggerPrice();
    if (trigger == null || trigger.signum() <= 0) {
      reasons.add("stop " + o.orderId() + " has no trigger price");
      return Verdict.MISSING;
    }
    boolean isLong = p.holdSide() == HoldSide.LONG;
    BigDecimal mark = p.markPrice();
    if (mark != null && mark.signum() > 0 && (isLong ? trigger.compareTo(mark) >= 0 : trigger.compareTo(mark) <= 0)) {
      reasons.add("stop " + o.orderId() + " at " + trigger.toPlainString() + " is on the wrong side of mark "
          + mark.toPlainString() + " for a " + p.holdSide().wire());
      return Verdict.WRONG_SIDE;
    }
    BigDecimal liq = p.liquidationPrice();
    if (liq != null && liq.signum() > 0 && (isLong ? trigger.compareTo(liq) <= 0 : trigger.compareTo(liq) >= 0)) {
      reasons.add("stop " + o.orderId() + " at " + trigger.toPlainString() + " is beyond liquidation " + liq.toPlainString());
      return Verdict.BEYOND_LIQUIDATION;
    }
    if (policy.requiredTriggerType() != null && !policy.requiredTriggerType().equalsIgnoreCase(o.triggerType())) {
      reasons.add("stop " + o.orderId() + " triggers on " + o.triggerType() + ", policy requires " + policy.requiredTriggerType());
      return Verdict.MISSING;
    }
    return null;
  }
}
