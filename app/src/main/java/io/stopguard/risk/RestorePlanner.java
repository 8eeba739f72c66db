package io.stopguard.risk;

import io.stopguard.bitget.Contract;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.Position;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Chooses the stop a restore would place. Pure. The price is the intended stop recorded for the
 * position if there is one, else {@code maxLossPercent} from entry; then clamped so it fires
 * before liquidation (with the policy's buffer) and stays strictly on the loss side of the mark
 * price, and rounded to the tick in the safe direction: up for a long's stop, down for a short's
 * (towards the mark price, away from liquidation).
 */
public final class RestorePlanner {
  private static final BigDecimal HUNDRED = new BigDecimal("100");

  private RestorePlanner() {}

  /**
   * @param intendedStop a stop price recorded for this position, or null
   */
  public static RestorePlan plan(Position p, Contract c, Policy policy, BigDecimal intendedStop) {
    return plan(p, c, policy, intendedStop, "intended stop recorded for this position");
  }

  /**
   * @param intendedStop a stop price recorded for this position, or null
   * @param intendedWhat which stop that is, in words (the basis says it: "the stop seen on the position at ...")
   */
  public static RestorePlan plan(Position p, Contract c, Policy policy, BigDecimal intendedStop, String intendedWhat) {
    boolean isLong = p.holdSide() == HoldSide.LONG;
    BigDecimal tick = c.tickSize();
    BigDecimal mark = p.markPrice();
    BigDecimal liq = p.liquidationPrice() != null && p.liquidationPrice().signum() > 0 ? p.liquidationPrice() : null;
    BigDecimal buffer = policy.liquidationBufferPercent().divide(HUNDRED);
    BigDecimal loss = policy.maxLossPercent().divide(HUNDRED);

    String basis;
    BigDecimal desired;
    if (intendedStop != null) {
      desired = intendedStop;
      basis = intendedWhat + ": " + intendedStop.toPlainString();
    } else {
      desired = p.openPriceAvg().multiply(isLong ? BigDecimal.ONE.subtract(loss) : BigDecimal.ONE.add(loss));
      basis = policy.maxLossPercent().stripTrailingZeros().toPlainString() + "% from entry " + p.openPriceAvg().toPlainString();
    }

    // The band of safe stops [lo, hi] on the tick grid.
    BigDecimal lo;
    BigDecimal hi;
    if (isLong) {
      lo = liq == null ? tick : c.roundPrice(liq.multiply(BigDecimal.ONE.add(buffer)), RoundingMode.CEILING);
      if (liq != null && lo.compareTo(liq) <= 0) lo = liq.add(tick);
      hi = c.roundPrice(mark, RoundingMode.CEILING).subtract(tick); // strictly below mark
    } else {
      lo = c.roundPrice(mark, RoundingMode.FLOOR).add(tick); // strictly above mark
      hi = liq == null ? null : c.roundPrice(liq.multiply(BigDecimal.ONE.subtract(buffer)), RoundingMode.FLOOR);
      if (liq != null && hi.compareTo(liq) >= 0) hi = liq.subtract(tick);
    }
    if ((hi != null && lo.compareTo(hi) > 0) || (isLong && hi.signum() <= 0)) {
      String where = liq == null ? "" : " (liquidation " + liq.toPlainString() + ")";
      return new RestorePlan.Refuse(p.symbol(), p.holdSide(),
          "mark price " + mark.toPlainString() + " is already past the last safe stop" + where
              + ": any stop would fire at once",
          "close or reduce the position (a human decision: the trading lead confirms manual closes), add margin to move"
              + " liquidation away, or accept the risk and watch it");
    }
    BigDecimal price = c.roundPrice(desired, isLong ? RoundingMode.CEILING : RoundingMode.FLOOR);
    if (price.compareTo(lo) < 0) {
      price = lo;
      basis += isLong ? ", raised to fire before liquidation" : ", moved off the mark price";
    }
    if (hi != null && price.compareTo(hi) > 0) {
      price = hi;
      basis += isLong ? ", lowered below the mark price" : ", lowered to fire before liquidation";
    }
    return new RestorePlan.Place(p.symbol(), p.holdSide(), p.posMode(), price.setScale(c.pricePlace(), RoundingMode.UNNECESSARY), basis);
  }
}
