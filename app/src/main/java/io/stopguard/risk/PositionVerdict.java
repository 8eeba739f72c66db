package io.stopguard.risk;

import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.Position;
import java.util.List;

/**
 * The verdict on one position, the stop orders considered for it and, when it is not protected,
 * the reasons in words an operator reads at 3 a.m.
 */
public record PositionVerdict(String userId, Position position, Verdict verdict, List<PlanOrder> stops,
    List<String> reasons) {
  public PositionVerdict {
    stops = List.copyOf(stops);
    reasons = List.copyOf(reasons);
  }

  /** {@code <user_id>:<SYMBOL>:<LONG|SHORT>}, the form {@code stoploss_missing=[...]} lists. */
  public String key() {
    return userId + ":" + position.symbol() + ":" + position.holdSide().name();
  }
}
