package io.stopguard.sim;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The plan types the simulator keeps, by their wire names. The five TP/SL types attach to a
 * position ({@code pos_*} to all of it, the others to a size); {@code normal_plan} is a conditional
 * order and protects nothing; {@code track_plan} is refused (not modelled, FIDELITY.md).
 */
enum PlanKind {
  POS_LOSS("pos_loss"),
  POS_PROFIT("pos_profit"),
  LOSS_PLAN("loss_plan"),
  PROFIT_PLAN("profit_plan"),
  MOVING_PLAN("moving_plan"),
  NORMAL_PLAN("normal_plan"),
  TRACK_PLAN("track_plan");

  @JsonValue
  final String wire;

  PlanKind(String wire) {
    this.wire = wire;
  }

  /** The kind with this wire name (exact, lower case, as Bitget takes it), if any. */
  static Optional<PlanKind> of(String wire) {
    return Arrays.stream(values()).filter(k -> k.wire.equals(wire)).findFirst();
  }

  /** A take-profit / stop-loss order of a position (place-tpsl-order, place-pos-tpsl). */
  boolean tpsl() {
    return this != NORMAL_PLAN && this != TRACK_PLAN;
  }

  /** Attached to the whole position: its size follows the position, one of each per position. */
  boolean wholePosition() {
    return this == POS_LOSS || this == POS_PROFIT;
  }

  /** Closes at a loss when triggered: the stop-loss types. */
  boolean loss() {
    return this == POS_LOSS || this == LOSS_PLAN;
  }

  boolean profit() {
    return this == POS_PROFIT || this == PROFIT_PLAN;
  }

  /** The TP/SL wire names, for messages. */
  static String tpslNames() {
    return Arrays.stream(values()).filter(PlanKind::tpsl).map(k -> k.wire).toList().toString();
  }

  @Override
  public String toString() {
    return wire;
  }

  static PlanKind parseScenario(String s) {
    return of(s.toLowerCase(Locale.ROOT)).orElse(null);
  }
}
