package io.stopguard.risk;

import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import java.util.ArrayList;
import java.util.List;

/**
 * The decision the product exists for: is this position protected? A pure function over the
 * account's positions and pending plan orders: no I/O, no clock, no state.
 */
public final class Protection {
  private Protection() {}

  /** One verdict per position, in the order given. */
  public static List<PositionVerdict> evaluate(String userId, List<Position> positions, List<PlanOrder> planOrders) {
    List<PositionVerdict> out = new ArrayList<>(positions.size());
    for (Position p : positions) {
      List<PlanOrder> stops = new ArrayList<>();
      for (PlanOrder o : planOrders) {
        if (o.planType() == PlanType.POS_LOSS && belongsTo(o, p)) stops.add(o);
      }
      out.add(new PositionVerdict(userId, p, stops.isEmpty() ? Verdict.MISSING : Verdict.PROTECTED, stops));
    }
    return out;
  }

  /**
   * A plan order belongs to a position when the symbol matches and, in hedge mode, the side too.
   * In one-way mode an account holds one position per symbol, so the symbol decides.
   */
  static boolean belongsTo(PlanOrder o, Position p) {
    if (!o.isFor(p.symbol())) return false;
    if (p.posMode() == PosMode.ONE_WAY) return true;
    return o.holdSide() == p.holdSide();
  }
}
