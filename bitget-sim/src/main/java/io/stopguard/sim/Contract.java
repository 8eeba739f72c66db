package io.stopguard.sim;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/** A futures contract of the simulator: tick and size rules, mark and last price. */
final class Contract {
  final String symbol;
  int pricePlace;
  int priceEndStep;
  int volumePlace;
  BigDecimal minTradeNum;
  BigDecimal sizeMultiplier;
  BigDecimal markPrice;
  /** Last traded price: follows the mark unless moved alone ({@link SimExchange#setLastPrice}). */
  BigDecimal lastPrice;
  int maxLever = 125;

  Contract(String symbol, int pricePlace, int priceEndStep, int volumePlace, String minTradeNum,
      String sizeMultiplier, String markPrice) {
    this.symbol = symbol;
    this.pricePlace = pricePlace;
    this.priceEndStep = priceEndStep;
    this.volumePlace = volumePlace;
    this.minTradeNum = new BigDecimal(minTradeNum);
    this.sizeMultiplier = new BigDecimal(sizeMultiplier);
    this.markPrice = new BigDecimal(markPrice);
    this.lastPrice = this.markPrice;
  }

  Contract copy() {
    return new Contract(symbol, pricePlace, priceEndStep, volumePlace, minTradeNum.toPlainString(),
        sizeMultiplier.toPlainString(), markPrice.toPlainString());
  }

  BigDecimal tick() {
    return BigDecimal.valueOf(priceEndStep).movePointLeft(pricePlace);
  }

  boolean validPrice(BigDecimal p) {
    return p.stripTrailingZeros().scale() <= pricePlace && p.remainder(tick()).signum() == 0;
  }

  boolean validSize(BigDecimal s) {
    return s.stripTrailingZeros().scale() <= volumePlace && s.remainder(sizeMultiplier).signum() == 0;
  }

  BigDecimal round(BigDecimal p, RoundingMode mode) {
    return p.divide(tick(), 0, mode).multiply(tick()).setScale(pricePlace, RoundingMode.UNNECESSARY);
  }

  /** Built-in contracts; tick rules as on Bitget for these symbols, mark prices arbitrary. */
  static final List<Contract> DEFAULTS = List.of(
      new Contract("BTCUSDT", 1, 1, 4, "0.0001", "0.0001", "95000.0"),
      new Contract("ETHUSDT", 2, 1, 2, "0.01", "0.01", "3500.00"),
      new Contract("DASHUSDT", 2, 1, 2, "0.01", "0.01", "68.50"),
      new Contract("SOLUSDT", 3, 1, 1, "0.1", "0.1", "180.000"),
      new Contract("XRPUSDT", 4, 1, 0, "1", "1", "2.3000"));
}
