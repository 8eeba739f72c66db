package io.stopguard.restore;

import io.stopguard.bitget.HoldSide;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * A stop-loss an operator (or the guard) wants on a position. {@code amount} null or equal to the
 * position's size means the whole position ({@code pos_loss}); a smaller amount is a partial
 * {@code loss_plan}. {@code replace}: move an existing pos_loss instead of refusing.
 */
public record StopRequest(String symbol, HoldSide side, BigDecimal amount, BigDecimal stopPrice, boolean replace) {
  public StopRequest {
    Objects.requireNonNull(symbol, "symbol");
    Objects.requireNonNull(side, "side");
    Objects.requireNonNull(stopPrice, "stopPrice");
  }
}
