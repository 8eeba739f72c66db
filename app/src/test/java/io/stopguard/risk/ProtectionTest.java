package io.stopguard.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtectionTest {
  /** A 1.0 position at entry 100, mark 100, liquidation 90 (long) or 110 (short). */
  static Position pos(String symbol, HoldSide side, PosMode mode) {
    return new Position(symbol, "USDT", side, mode, "isolated", new BigDecimal("1.0"), new BigDecimal("1.0"),
        new BigDecimal("100"), new BigDecimal("100"), new BigDecimal(side == HoldSide.LONG ? "90" : "110"),
        BigDecimal.TEN, BigDecimal.ZERO, "0", "0");
  }

  static PlanOrder stop(String symbol, PlanType type, String trigger, String size, String side, String posSide) {
    return new PlanOrder("id" + trigger, "c", symbol.toLowerCase(), type, size == null ? null : new BigDecimal(size),
        new BigDecimal(trigger), "mark_price", BigDecimal.ZERO, "live", side, posSide, null, "close", "market", "0", "0");
  }

  static Verdict verdict(Position p, PlanOrder... orders) {
    return Protection.evaluate("u", p, List.of(orders), Policy.DEFAULT).verdict();
  }

  static final Position LONG_1W = pos("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY);
  static final Position SHORT_1W = pos("BTCUSDT", HoldSide.SHORT, PosMode.ONE_WAY);

  @Test
  void posLossOnTheLossSideProtects() {
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.POS_LOSS, "95", null, "buy", "net"))).isEqualTo(Verdict.PROTECTED);
    assertThat(verdict(SHORT_1W, stop("BTCUSDT", PlanType.POS_LOSS, "105", null, "sell", "net"))).isEqualTo(Verdict.PROTECTED);
  }

  @Test
  void missingWhenNoStopOrOnlyOtherTypesOrSymbols() {
    assertThat(verdict(LONG_1W)).isEqualTo(Verdict.MISSING);
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.POS_PROFIT, "120", null, "buy", "net"),
        stop("ETHUSDT", PlanType.POS_LOSS, "95", null, "buy", "net"),
        stop("BTCUSDT", PlanType.UNKNOWN, "95", null, "buy", "net"))).isEqualTo(Verdict.MISSING);
    // trailing stops count only when the policy says so
    PlanOrder trailing = stop("BTCUSDT", PlanType.MOVING_PLAN, "95", "1.0", "buy", "net");
    assertThat(verdict(LONG_1W, trailing)).isEqualTo(Verdict.MISSING);
    Policy withTrailing = new Policy(true, null, BigDecimal.TEN, BigDecimal.ONE, BigDecimal.ZERO);
    assertThat(Protection.evaluate("u", LONG_1W, List.of(trailing), withTrailing).verdict()).isEqualTo(Verdict.PROTECTED);
  }

  @Test
  void wrongSideOfMark() {
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.POS_LOSS, "101", null, "buy", "net"))).isEqualTo(Verdict.WRONG_SIDE);
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.POS_LOSS, "100", null, "buy", "net"))).isEqualTo(Verdict.WRONG_SIDE);
    assertThat(verdict(SHORT_1W, stop("BTCUSDT", PlanType.POS_LOSS, "99", null, "sell", "net"))).isEqualTo(Verdict.WRONG_SIDE);
  }

  @Test
  void beyondLiquidation() {
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.POS_LOSS, "89", null, "buy", "net")))
        .isEqualTo(Verdict.BEYOND_LIQUIDATION);
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.POS_LOSS, "90", null, "buy", "net")))
        .isEqualTo(Verdict.BEYOND_LIQUIDATION);
    assertThat(verdict(SHORT_1W, stop("BTCUSDT", PlanType.POS_LOSS, "111", null, "sell", "net")))
        .isEqualTo(Verdict.BEYOND_LIQUIDATION);
    // one good stop among bad ones is enough
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.LOSS_PLAN, "85", "1.0", "buy", "net"),
        stop("BTCUSDT", PlanType.POS_LOSS, "95", null, "buy", "net"))).isEqualTo(Verdict.PROTECTED);
  }

  @Test
  void partialStopsMustCoverTheSize() {
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.LOSS_PLAN, "95", "0.4", "buy", "net"),
        stop("BTCUSDT", PlanType.LOSS_PLAN, "94", "0.6", "buy", "net"))).isEqualTo(Verdict.PROTECTED);
    PositionVerdict v = Protection.evaluate("u", LONG_1W,
        List.of(stop("BTCUSDT", PlanType.LOSS_PLAN, "95", "0.4", "buy", "net")), Policy.DEFAULT);
    assertThat(v.verdict()).isEqualTo(Verdict.UNDERSIZED);
    assertThat(v.reasons()).anySatisfy(r -> assertThat(r).contains("cover 0.4 of 1.0"));
    // within the rounding tolerance (0.1 %) counts as covered
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.LOSS_PLAN, "95", "0.9995", "buy", "net"))).isEqualTo(Verdict.PROTECTED);
    // an invalid partial stop does not count towards the cover
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.LOSS_PLAN, "95", "0.5", "buy", "net"),
        stop("BTCUSDT", PlanType.LOSS_PLAN, "101", "0.5", "buy", "net"))).isEqualTo(Verdict.UNDERSIZED);
  }

  @Test
  void hedgeModeMatchesTheSide() {
    Position hl = pos("ETHUSDT", HoldSide.LONG, PosMode.HEDGE);
    Position hs = pos("ETHUSDT", HoldSide.SHORT, PosMode.HEDGE);
    List<PlanOrder> orders = List.of(stop("ETHUSDT", PlanType.POS_LOSS, "95", null, "buy", "long"));
    assertThat(Protection.evaluate("u", List.of(hl, hs), orders)).extracting(PositionVerdict::verdict)
        .containsExactly(Verdict.PROTECTED, Verdict.HOLD_SIDE_MISMATCH);
  }

  @Test
  void oneWayHedgeMixUp() {
    assertThat(verdict(LONG_1W, stop("BTCUSDT", PlanType.POS_LOSS, "95", null, "buy", "long")))
        .isEqualTo(Verdict.HOLD_SIDE_MISMATCH);
    assertThat(verdict(pos("BTCUSDT", HoldSide.LONG, PosMode.HEDGE), stop("BTCUSDT", PlanType.POS_LOSS, "95", null, "buy", "net")))
        .isEqualTo(Verdict.HOLD_SIDE_MISMATCH);
  }

  @Test
  void requiredTriggerType() {
    Policy markOnly = new Policy(false, "mark_price", BigDecimal.TEN, BigDecimal.ONE, BigDecimal.ZERO);
    PlanOrder fill = new PlanOrder("f", "c", "btcusdt", PlanType.POS_LOSS, null, new BigDecimal("95"), "fill_price",
        null, "live", "buy", "net", null, "close", "market", "0", "0");
    PositionVerdict v = Protection.evaluate("u", LONG_1W, List.of(fill), markOnly);
    assertThat(v.verdict()).isEqualTo(Verdict.MISSING);
    assertThat(v.reasons()).anySatisfy(r -> assertThat(r).contains("policy requires mark_price"));
    assertThat(Protection.evaluate("u", LONG_1W, List.of(fill), Policy.DEFAULT).verdict()).isEqualTo(Verdict.PROTECTED);
  }
}
