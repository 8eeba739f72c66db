package io.stopguard.risk;

import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.Position;
import java.util.List;

/** The verdict on one position, with the stop orders that were considered for it. */
public record PositionVerdict(String userId, Position position, Verdict verdict, List<PlanOrder> stops) {
  public PositionVerdict {
    stops = List.copyOf(stops);
  }

  /** {@code <user_id>:<SYMBOL>:<LONG|SHORT>}, the form {@code stoploss_missing=[...]} lists. */
  public String key() {
    return userId + ":" + position.symbol() + ":" + position.holdSide().name();
  }
}
