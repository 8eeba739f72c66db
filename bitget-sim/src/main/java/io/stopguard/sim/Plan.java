package io.stopguard.sim;

import java.math.BigDecimal;
import java.util.Set;

/** A plan (trigger / TPSL) order of a simulated account. */
final class Plan {
  final String orderId;
  final String clientOid;
  final String symbol;
  final PlanKind planType;
  final Side holdSide; // the position side
  BigDecimal triggerPrice;
  String triggerType;
  BigDecimal executePrice; // null: market
  BigDecimal size; // null for pos_loss / pos_profit
  /** The size a pos_loss / pos_profit request carried (ccxt sends one), for the posLossSize=sent variant. */
  BigDecimal sentSize;
  /** normal_plan only: the order it places when triggered. */
  String side;
  String tradeSide;
  boolean reduceOnly;
  String marginMode;
  /** normal_plan only: fires when the price rises to the trigger (else when it falls to it). */
  boolean triggerAbove;
  final long cTime;
  long uTime;

  Plan(String orderId, String clientOid, String symbol, PlanKind planType, Side holdSide,
      BigDecimal triggerPrice, String triggerType, BigDecimal executePrice, BigDecimal size, long now) {
    this.orderId = orderId;
    this.clientOid = clientOid;
    this.symbol = symbol;
    this.planType = planType;
    this.holdSide = holdSide;
    this.triggerPrice = triggerPrice;
    this.triggerType = triggerType;
    this.executePrice = executePrice;
    this.size = size;
    this.cTime = now;
    this.uTime = now;
  }

  static final Set<String> TRIGGER_TYPES = Set.of("mark_price", "fill_price");
}
