package io.stopguard.restore;

import io.stopguard.bitget.HoldSide;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * A stop-loss an operator (or the guard) wants on a position. {@code amount} null or equal to the
 * position's size means the whole position ({@code pos_loss}); a smaller amount is a partial
 * {@code loss_plan}. {@code replace}: move an existing pos_loss instead of refusing. {@code clientOid}: the
 * caller's deterministic id (the guard derives it from the incident), or null to derive one here.
 */
public record StopRequest(String symbol, HoldSide side, BigDecimal amount, BigDecimal stopPrice, boolean replace,
    String clientOid) {
  public StopRequest {
    Objects.requireNonNull(symbol, "symbol");
    Objects.requireNonNull(side, "side");
    Objects.requireNonNull(stopPrice, "stopPrice");
  }

  /** With the clientOid derived from the request itself (an operator's repeated command is idempotent). */
  public StopRequest(String symbol, HoldSide side, BigDecimal amount, BigDecimal stopPrice, boolean replace) {
    this(symbol, side, amount, stopPrice, replace, null);
  }
}
