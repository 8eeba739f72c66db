package io.stopguard.bitget;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The side of a position. */
public enum HoldSide {
  LONG("long", "buy"),
  SHORT("short", "sell");

  private final String wire;
  private final String oneWayWire;

  HoldSide(String wire, String oneWayWire) {
    this.wire = wire;
    this.oneWayWire = oneWayWire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  /**
   * The {@code holdSide} a TPSL placement must carry: the position's side in hedge mode, but
   * {@code buy} (long) / {@code sell} (short) in one-way mode. Mixing them up gives Bitget 40774.
   */
  public String tpslHoldSide(PosMode mode) {
    return mode == PosMode.ONE_WAY ? oneWayWire : wire;
  }

  public HoldSide opposite() {
    return this == LONG ? SHORT : LONG;
  }

  /** Accepts long/short, buy/sell and LONG/SHORT as operators type them. */
  @JsonCreator
  public static HoldSide parse(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "long", "buy" -> LONG;
      case "short", "sell" -> SHORT;
      default -> throw new IllegalArgumentException("not a position side: '" + s + "' (use LONG or SHORT)");
    };
  }
}
