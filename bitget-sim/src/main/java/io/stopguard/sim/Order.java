package io.stopguard.sim;

import java.math.BigDecimal;

/** A regular order of the simulator ({@link Trading}), open or done. */
final class Order {
  final String orderId;
  final String clientOid;
  final String symbol;
  final String side; // buy | sell
  final String tradeSide; // open | close (hedge), null (one-way)
  final String orderType; // market | limit
  final BigDecimal price; // null: market
  final BigDecimal size;
  final boolean reduceOnly;
  final String marginMode;
  final String force;
  final int leverage;
  String status = "live"; // live | filled | canceled
  BigDecimal filled = BigDecimal.ZERO;
  BigDecimal priceAvg;
  final long cTime;
  long uTime;

  Order(String orderId, String clientOid, String symbol, String side, String tradeSide, String orderType, BigDecimal price,
      BigDecimal size, boolean reduceOnly, String marginMode, String force, int leverage, long now) {
    this.orderId = orderId;
    this.clientOid = clientOid;
    this.symbol = symbol;
    this.side = side;
    this.tradeSide = tradeSide;
    this.orderType = orderType;
    this.price = price;
    this.size = size;
    this.reduceOnly = reduceOnly;
    this.marginMode = marginMode;
    this.force = force;
    this.leverage = leverage;
    this.cTime = now;
    this.uTime = now;
  }
}
