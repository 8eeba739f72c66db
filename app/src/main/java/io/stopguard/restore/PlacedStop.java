package io.stopguard.restore;

import io.stopguard.bitget.PlanType;
import java.math.BigDecimal;

/**
 * A stop-loss that is on the exchange: its ids, what it is, and whether it was seen in
 * orders-plan-pending after placing. {@code action}: placed, modified, or already-there (an earlier
 * attempt with the same clientOid had landed).
 */
public record PlacedStop(String orderId, String clientOid, String symbol, PlanType planType, BigDecimal triggerPrice,
    BigDecimal size, String action, boolean confirmed) {}
