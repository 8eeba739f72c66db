package io.stopguard.bitget;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The type of a plan (trigger) order, as in {@code orders-plan-pending}'s {@code planType}. */
public enum PlanType {
  /** Stop-loss on the whole position; follows the position's size. */
  POS_LOSS("pos_loss"),
  POS_PROFIT("pos_profit"),
  /** Partial stop-loss with its own size. */
  LOSS_PLAN("loss_plan"),
  PROFIT_PLAN("profit_plan"),
  /** Trailing stop. */
  MOVING_PLAN("moving_plan"),
  NORMAL_PLAN("normal_plan"),
  TRACK_PLAN("track_plan"),
  /** A type this client does not know; never counted as protection. */
  UNKNOWN("unknown");

  private final String wire;

  PlanType(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  @JsonCreator
  public static PlanType parse(String s) {
    for (PlanType t : values()) if (t.wire.equalsIgnoreCase(s)) return t;
    return UNKNOWN;
  }

  /** The query category of {@code orders-plan-pending}: TPSL types are all listed under profit_loss. */
  public enum Query {
    NORMAL_PLAN("normal_plan"),
    TRACK_PLAN("track_plan"),
    PROFIT_LOSS("profit_loss");

    private final String wire;

    Query(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }
}
