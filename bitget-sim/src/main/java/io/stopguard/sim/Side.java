package io.stopguard.sim;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/** A position's side: what {@code holdSide} names in hedge mode, and what buy / sell open in one-way mode. */
enum Side {
  LONG("long"),
  SHORT("short");

  @JsonValue
  final String wire;

  Side(String wire) {
    this.wire = wire;
  }

  static Optional<Side> of(String wire) {
    return switch (wire == null ? "" : wire) {
      case "long" -> Optional.of(LONG);
      case "short" -> Optional.of(SHORT);
      default -> Optional.empty();
    };
  }

  /** The side a buy (true) or sell (false) opens. */
  static Side opened(boolean buy) {
    return buy ? LONG : SHORT;
  }

  boolean isLong() {
    return this == LONG;
  }

  @Override
  public String toString() {
    return wire;
  }
}
