package io.stopguard.bitget;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Tick rules of one futures contract. A valid price has at most {@code pricePlace} decimals and is a
 * multiple of {@code priceEndStep × 10^-pricePlace}; a valid size is a multiple of
 * {@code sizeMultiplier} (at most {@code volumePlace} decimals) and at least {@code minTradeNum}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Contract(
    String symbol,
    String baseCoin,
    String quoteCoin,
    int pricePlace,
    int priceEndStep,
    int volumePlace,
    BigDecimal sizeMultiplier,
    BigDecimal minTradeNum,
    BigDecimal minTradeUSDT,
    String maxLever,
    String symbolStatus) {

  public BigDecimal tickSize() {
    return BigDecimal.valueOf(priceEndStep).movePointLeft(pricePlace);
  }

  /** Rounds a price to a multiple of the tick, in the given direction. */
  public BigDecimal roundPrice(BigDecimal price, RoundingMode mode) {
    BigDecimal tick = tickSize();
    return price.divide(tick, 0, mode).multiply(tick).setScale(pricePlace, RoundingMode.UNNECESSARY);
  }

  public boolean isValidPrice(BigDecimal price) {
    return price.signum() > 0 && price.stripTrailingZeros().scale() <= pricePlace
        && price.remainder(tickSize()).signum() == 0;
  }

  public boolean isValidSize(BigDecimal size) {
    BigDecimal step = sizeMultiplier == null || sizeMultiplier.signum() == 0
        ? BigDecimal.ONE.movePointLeft(volumePlace) : sizeMultiplier;
    return size.signum() > 0 && size.stripTrailingZeros().scale() <= volumePlace
        && size.remainder(step).signum() == 0
        && (minTradeNum == null || size.compareTo(minTradeNum) >= 0);
  }
}
