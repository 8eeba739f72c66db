package io.stopguard.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.bitget.Contract;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import java.math.BigDecimal;
import java.math.RoundingMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Price arithmetic of restore planning: ticks, rounding direction, long/short symmetry. */
class RestorePlannerTest {
  static Contract contract(int pricePlace, int endStep) {
    return new Contract("XUSDT", "X", "USDT", pricePlace, endStep, 2, new BigDecimal("0.01"), new BigDecimal("0.01"),
        null, "125", "normal");
  }

  static Position position(HoldSide side, BigDecimal entry, BigDecimal mark, BigDecimal liq) {
    return new Position("XUSDT", "USDT", side, PosMode.ONE_WAY, "isolated", BigDecimal.ONE, BigDecimal.ONE, entry, mark, liq,
        BigDecimal.TEN, BigDecimal.ZERO, "0", "0");
  }

  @Provide
  Arbitrary<BigDecimal> prices() {
    return Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("100000")).ofScale(4);
  }

  @Property
  void roundingStaysOnTheTickInTheAskedDirection(@ForAll("prices") BigDecimal p, @ForAll @IntRange(min = 0, max = 4) int place,
      @ForAll @IntRange(min = 1, max = 5) int step) {
    Contract c = contract(place, step);
    BigDecimal up = c.roundPrice(p, RoundingMode.CEILING);
    BigDecimal down = c.roundPrice(p, RoundingMode.FLOOR);
    assertThat(up.remainder(c.tickSize()).signum()).isZero();
    assertThat(down.remainder(c.tickSize()).signum()).isZero();
    assertThat(up).isGreaterThanOrEqualTo(p);
    assertThat(down).isLessThanOrEqualTo(p);
    assertThat(up.subtract(down)).isLessThanOrEqualTo(c.tickSize());
  }

  @Property
  void sizesFollowStepAndMinimum(@ForAll @IntRange(min = 0, max = 4) int volumePlace,
      @ForAll @IntRange(min = 1, max = 100000) int units, @ForAll @IntRange(min = 1, max = 9) int offBy) {
    BigDecimal step = BigDecimal.ONE.movePointLeft(volumePlace);
    Contract c = new Contract("XUSDT", "X", "USDT", 2, 1, volumePlace, step, step, null, "125", "normal");
    BigDecimal onGrid = step.multiply(BigDecimal.valueOf(units));
    assertThat(c.isValidSize(onGrid)).isTrue();
    assertThat(c.isValidSize(onGrid.add(step.movePointLeft(1).multiply(BigDecimal.valueOf(offBy))))).isFalse(); // finer than the step
    assertThat(c.isValidSize(step.subtract(step.movePointLeft(1)))).isFalse(); // below the minimum
    assertThat(c.isValidSize(onGrid.negate())).isFalse();
  }

  @Property(tries = 2000)
  void aPlacedStopIsSafe(@ForAll("prices") BigDecimal entry, @ForAll @IntRange(min = 1, max = 125) int leverage,
      @ForAll @IntRange(min = 50, max = 150) int markPercent, @ForAll boolean isLong,
      @ForAll @IntRange(min = 0, max = 4) int place) {
    Contract c = contract(place, 1);
    entry = c.roundPrice(entry, RoundingMode.HALF_UP);
    if (entry.compareTo(c.tickSize().multiply(BigDecimal.valueOf(1000))) < 0) return; // too coarse a grid to say much
    BigDecimal mark = c.roundPrice(entry.multiply(BigDecimal.valueOf(markPercent)).movePointLeft(2), RoundingMode.HALF_UP);
    BigDecimal inv = BigDecimal.ONE.divide(BigDecimal.valueOf(leverage), 10, RoundingMode.HALF_UP);
    BigDecimal liq = isLong ? entry.multiply(BigDecimal.ONE.subtract(inv)) : entry.multiply(BigDecimal.ONE.add(inv));
    liq = c.roundPrice(liq, RoundingMode.HALF_UP);
    if (liq.signum() <= 0) liq = BigDecimal.ZERO;
    Position p = position(isLong ? HoldSide.LONG : HoldSide.SHORT, entry, mark, liq);

    RestorePlan plan = RestorePlanner.plan(p, c, Policy.DEFAULT, null);
    if (plan instanceof RestorePlan.Place place1) {
      BigDecimal s = place1.triggerPrice();
      assertThat(c.isValidPrice(s)).as("on tick: %s", s).isTrue();
      if (isLong) {
        assertThat(s).isLessThan(mark);
        if (liq.signum() > 0) assertThat(s).isGreaterThan(liq);
      } else {
        assertThat(s).isGreaterThan(mark);
        if (liq.signum() > 0) assertThat(s).isLessThan(liq);
      }
    } else {
      // refusing is only right when the mark price is at or near the liquidation buffer
      BigDecimal buffer = liq.multiply(new BigDecimal("0.005")).add(c.tickSize().multiply(BigDecimal.valueOf(2)));
      if (isLong) assertThat(mark).isLessThanOrEqualTo(liq.add(buffer));
      else assertThat(mark).isGreaterThanOrEqualTo(liq.subtract(buffer));
    }
  }

  @Property
  void longAndShortAreMirrors(@ForAll @IntRange(min = 1, max = 20) int lossPercentOfPolicy,
      @ForAll @IntRange(min = 1000, max = 100000) int entryCents) {
    // Without liquidation in reach, a long's stop is entry − x% rounded up and a short's entry + x% rounded down.
    Contract c = contract(2, 1);
    BigDecimal entry = BigDecimal.valueOf(entryCents, 2);
    Policy policy = new Policy(false, null, BigDecimal.valueOf(lossPercentOfPolicy), BigDecimal.ZERO, BigDecimal.ZERO);
    var l = (RestorePlan.Place) RestorePlanner.plan(position(HoldSide.LONG, entry, entry, BigDecimal.ZERO), c, policy, null);
    var s = (RestorePlan.Place) RestorePlanner.plan(position(HoldSide.SHORT, entry, entry, BigDecimal.ZERO), c, policy, null);
    BigDecimal d = entry.multiply(BigDecimal.valueOf(lossPercentOfPolicy)).movePointLeft(2);
    assertThat(l.triggerPrice()).isEqualByComparingTo(c.roundPrice(entry.subtract(d), RoundingMode.CEILING).min(entry.subtract(c.tickSize())));
    assertThat(s.triggerPrice()).isEqualByComparingTo(c.roundPrice(entry.add(d), RoundingMode.FLOOR).max(entry.add(c.tickSize())));
  }

  @Example
  void runbookExample() {
    // DASHUSDT short 0.21 @ 68.10, 10x: 10 % stop = 74.91, but liquidation is 74.63 → clamped below it with the buffer.
    Contract dash = new Contract("DASHUSDT", "DASH", "USDT", 2, 1, 2, new BigDecimal("0.01"), new BigDecimal("0.01"), null, "75", "normal");
    Position p = new Position("DASHUSDT", "USDT", HoldSide.SHORT, PosMode.ONE_WAY, "isolated", new BigDecimal("0.21"),
        new BigDecimal("0.21"), new BigDecimal("68.10"), new BigDecimal("68.50"), new BigDecimal("74.63"), BigDecimal.TEN,
        BigDecimal.ZERO, "0", "0");
    var plan = (RestorePlan.Place) RestorePlanner.plan(p, dash, Policy.DEFAULT, null);
    assertThat(plan.triggerPrice()).isEqualByComparingTo("74.25"); // floor(74.63 × 0.995 = 74.25685)
    var intended = (RestorePlan.Place) RestorePlanner.plan(p, dash, Policy.DEFAULT, new BigDecimal("70.43"));
    assertThat(intended.triggerPrice()).isEqualByComparingTo("70.43");
  }

  @Example
  void markPastTheLastSafeStopIsRefused() {
    Contract c = contract(2, 1);
    Position p = position(HoldSide.LONG, new BigDecimal("100.00"), new BigDecimal("90.20"), new BigDecimal("90.00"));
    RestorePlan plan = RestorePlanner.plan(p, c, Policy.DEFAULT, null);
    assertThat(plan).isInstanceOf(RestorePlan.Refuse.class);
    assertThat(((RestorePlan.Refuse) plan).options()).contains("trading lead");
  }
}
