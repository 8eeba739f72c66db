package io.stopguard.risk;

import io.stopguard.bitget.PlanType;
import java.math.BigDecimal;
import java.util.Objects;
import java.util.Set;

/**
 * What counts as protection, and how a restore stop is chosen. Defaults are conservative; see
 * docs/POLICY.md for the file format.
 *
 * @param countTrailingStops    whether a {@code moving_plan} (trailing stop) counts as protection
 * @param requiredTriggerType   {@code mark_price} / {@code fill_price}, or null to accept either
 * @param maxLossPercent        restore stops sit this far from entry, as % of the entry price
 * @param liquidationBufferPercent a restore stop keeps this % of price away from liquidation
 * @param sizeTolerancePercent  partial stops covering total × (1 − this %) count as full cover
 */
public record Policy(
    boolean countTrailingStops,
    String requiredTriggerType,
    BigDecimal maxLossPercent,
    BigDecimal liquidationBufferPercent,
    BigDecimal sizeTolerancePercent) {

  public static final Policy DEFAULT = new Policy(false, null, new BigDecimal("10"), new BigDecimal("0.5"),
      new BigDecimal("0.1"));

  public Policy {
    Objects.requireNonNull(maxLossPercent, "maxLossPercent");
    Objects.requireNonNull(liquidationBufferPercent, "liquidationBufferPercent");
    Objects.requireNonNull(sizeTolerancePercent, "sizeTolerancePercent");
    if (maxLossPercent.signum() <= 0 || maxLossPercent.compareTo(new BigDecimal("100")) >= 0) {
      throw new IllegalArgumentException("maxLossPercent must be > 0 and < 100");
    }
    if (liquidationBufferPercent.signum() < 0 || liquidationBufferPercent.compareTo(new BigDecimal("50")) >= 0) {
      throw new IllegalArgumentException("liquidationBufferPercent must be >= 0 and < 50");
    }
    if (sizeTolerancePercent.signum() < 0 || sizeTolerancePercent.compareTo(new BigDecimal("10")) > 0) {
      throw new IllegalArgumentException("sizeTolerancePercent must be 0..10");
    }
    if (requiredTriggerType != null && !requiredTriggerType.equals("mark_price") && !requiredTriggerType.equals("fill_price")) {
      throw new IllegalArgumentException("requiredTriggerType must be mark_price, fill_price or empty");
    }
  }

  /** The plan types that can protect a position under this policy. */
  public Set<PlanType> stopTypes() {
    return countTrailingStops ? Set.of(PlanType.POS_LOSS, PlanType.LOSS_PLAN, PlanType.MOVING_PLAN)
        : Set.of(PlanType.POS_LOSS, PlanType.LOSS_PLAN);
  }
}
