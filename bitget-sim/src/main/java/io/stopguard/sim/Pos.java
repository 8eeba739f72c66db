package io.stopguard.sim;

import java.math.BigDecimal;

/** An open position of a simulated account. */
final class Pos {
  final String symbol;
  final Side holdSide;
  BigDecimal total;
  BigDecimal openPriceAvg;
  int leverage;
  String marginMode;
  BigDecimal liquidationPrice;
  final long cTime;
  long uTime;

  Pos(String symbol, Side holdSide, BigDecimal total, BigDecimal openPriceAvg, int leverage,
      String marginMode, BigDecimal liquidationPrice, long now) {
    this.symbol = symbol;
    this.holdSide = holdSide;
    this.total = total;
    this.openPriceAvg = openPriceAvg;
    this.leverage = leverage;
    this.marginMode = marginMode;
    this.liquidationPrice = liquidationPrice;
    this.cTime = now;
    this.uTime = now;
  }

  boolean isLong() {
    return holdSide.isLong();
  }
}
