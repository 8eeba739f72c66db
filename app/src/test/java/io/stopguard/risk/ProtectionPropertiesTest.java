package io.stopguard.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link Protection#evaluate} over random positions (side, mode, mark, liquidation) and random
 * stop sets (type, side, trigger, size): whatever it says PROTECTED is protected by a stop that
 * would really fire before liquidation and covers the position; whatever it calls bare has no such
 * stop. The guard's whole promise rests on this function, so it is checked against an independent
 * restatement of the rule rather than examples only.
 */
class ProtectionPropertiesTest {
  record Case(Position position, List<PlanOrder> stops) {}

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Boolean> isLong = Arbitraries.of(true, false);
    Arbitrary<Boolean> hedge = Arbitraries.of(true, false);
    Arbitrary<Integer> markCents = Arbitraries.integers().between(1_000, 1_000_000);
    Arbitrary<Integer> liqPercent = Arbitraries.integers().between(0, 60); // 0: no liquidation price
    Arbitrary<Integer> totalUnits = Arbitraries.integers().between(1, 1_000);
    Arbitrary<List<int[]>> stops = Arbitraries.integers().between(0, 5).flatMap(n -> Combinators.combine(
            Arbitraries.integers().between(0, 3), // type: pos_loss, loss_plan, pos_profit, moving_plan
            Arbitraries.integers().between(-80, 80), // trigger: % from mark
            Arbitraries.integers().between(0, 1_200), // size in units (loss_plan)
            Arbitraries.integers().between(0, 2)) // side: own, other, one-way "net"
        .as((t, pct, size, side) -> new int[] {t, pct, size, side}).list().ofSize(n));
    return Combinators.combine(isLong, hedge, markCents, liqPercent, totalUnits, stops)
        .as((l, h, mark, liq, units, ss) -> build(l, h, mark, liq, units, ss));
  }

  static Case build(boolean isLong, boolean hedge, int markCents, int liqPercent, int units, List<int[]> specs) {
    BigDecimal mark = BigDecimal.valueOf(markCents, 2);
    BigDecimal liq = liqPercent == 0 ? null
        : mark.multiply(BigDecimal.valueOf(isLong ? 100 - liqPercent : 100 + liqPercent)).movePointLeft(2);
    BigDecimal total = BigDecimal.valueOf(units, 2);
    HoldSide side = isLong ? HoldSide.LONG : HoldSide.SHORT;
    PosMode mode = hedge ? PosMode.HEDGE : PosMode.ONE_WAY;
    Position p = new Position("BTCUSDT", "USDT", side, mode, "isolated", total, total, mark, mark, liq, BigDecimal.TEN,
        BigDecimal.ZERO, "0", "0");
    List<PlanOrder> stops = new ArrayList<>();
    int i = 0;
    for (int[] s : specs) {
      PlanType type = switch (s[0]) {
        case 0 -> PlanType.POS_LOSS;
        case 1 -> PlanType.LOSS_PLAN;
        case 2 -> PlanType.POS_PROFIT;
        default -> PlanType.MOVING_PLAN;
      };
      BigDecimal trigger = mark.multiply(BigDecimal.valueOf(100 + s[1])).movePointLeft(2);
      HoldSide stopSide = s[2] == 1 ? (isLong ? HoldSide.SHORT : HoldSide.LONG) : side;
      String posSide = s[3] == 2 ? "net" : stopSide.wire();
      if (!hedge) posSide = s[3] == 1 ? stopSide.wire() : "net"; // one-way: a hedge posSide is foreign
      BigDecimal size = type == PlanType.LOSS_PLAN ? BigDecimal.valueOf(s[2], 2) : null;
      stops.add(new PlanOrder("o" + i++, "c", "btcusdt", type, size, trigger, "mark_price", BigDecimal.ZERO, "live",
          stopSide.wire(), posSide, null, "close", "market", "0", "0"));
    }
    return new Case(p, stops);
  }

  /** The rule, restated independently: a stop that protects this position. */
  static boolean protects(PlanOrder o, Position p) {
    boolean isLong = p.holdSide() == HoldSide.LONG;
    boolean mine = p.posMode() == PosMode.ONE_WAY ? "net".equals(o.posSide())
        : !"net".equals(o.posSide()) && o.holdSide() == p.holdSide();
    if (!mine) return false;
    BigDecimal t = o.triggerPrice();
    boolean lossSide = isLong ? t.compareTo(p.markPrice()) < 0 : t.compareTo(p.markPrice()) > 0;
    boolean beforeLiq = p.liquidationPrice() == null || (isLong ? t.compareTo(p.liquidationPrice()) > 0
        : t.compareTo(p.liquidationPrice()) < 0);
    return lossSide && beforeLiq;
  }

  @Property(tries = 3000)
  void protectedMeansAValidStopCoversThePositionAndBareMeansThereIsNone(@ForAll("cases") Case c) {
    PositionVerdict v = Protection.evaluate("u", c.position(), c.stops(), Policy.DEFAULT);
    Position p = c.position();
    boolean whole = c.stops().stream().anyMatch(o -> o.planType() == PlanType.POS_LOSS && protects(o, p));
    BigDecimal partial = c.stops().stream().filter(o -> o.planType() == PlanType.LOSS_PLAN && protects(o, p))
        .map(PlanOrder::size).reduce(BigDecimal.ZERO, BigDecimal::add);
    BigDecimal needed = p.total().multiply(BigDecimal.ONE.subtract(Policy.DEFAULT.sizeTolerancePercent().movePointLeft(2)));
    boolean reallyProtected = whole || partial.signum() > 0 && partial.compareTo(needed) >= 0;
    assertThat(v.verdict().isProtected()).as("%s with %s: %s %s", p, c.stops(), v.verdict(), v.reasons())
        .isEqualTo(reallyProtected);
    if (!reallyProtected && partial.signum() > 0) assertThat(v.verdict()).isEqualTo(Verdict.UNDERSIZED);
  }

  @Property(tries = 1000)
  void aTakeProfitOrTrailingStopNeverCountsUnderTheDefaultPolicy(@ForAll @IntRange(min = 1, max = 40) int pct,
      @ForAll boolean isLong) {
    Case c = build(isLong, false, 100_000, 50, 100, List.of(new int[] {2, isLong ? -pct : pct, 0, 0},
        new int[] {3, isLong ? -pct : pct, 100, 0}));
    assertThat(Protection.evaluate("u", c.position(), c.stops(), Policy.DEFAULT).verdict()).isEqualTo(Verdict.MISSING);
  }
}
