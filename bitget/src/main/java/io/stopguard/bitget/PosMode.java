package io.stopguard.bitget;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Position mode of an account: one-way (one net position per symbol) or hedge (long and short apart). */
public enum PosMode {
  ONE_WAY("one_way_mode"),
  HEDGE("hedge_mode");

  private final String wire;

  PosMode(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  @JsonCreator
  public static PosMode parse(String s) {
    for (PosMode m : values()) if (m.wire.equalsIgnoreCase(s)) return m;
    throw new IllegalArgumentException("unknown posMode: " + s);
  }
}
