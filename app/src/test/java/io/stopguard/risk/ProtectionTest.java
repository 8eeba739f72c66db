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
  static Position pos(String symbol, HoldSide side, PosMode mode) {
    return new Position(symbol, "USDT", side, mode, "isolated", new BigDecimal("1"), new BigDecimal("1"),
        new BigDecimal("100"), new BigDecimal("100"), new BigDecimal("90"), BigDecimal.TEN, BigDecimal.ZERO, "0", "0");
  }

  static PlanOrder plan(String symbol, PlanType type, String side, String posSide) {
    return new PlanOrder("1", "c1", symbol.toLowerCase(), type, BigDecimal.ONE, new BigDecimal("95"), "mark_price",
        BigDecimal.ZERO, "live", side, posSide, null, "close", "market", "0", "0");
  }

  @Test
  void posLossOnTheSymbolProtectsAOneWayPosition() {
    List<PositionVerdict> v = Protection.evaluate("u", List.of(pos("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY)),
        List.of(plan("BTCUSDT", PlanType.POS_LOSS, "buy", "net")));
    assertThat(v).singleElement().satisfies(x -> {
      assertThat(x.verdict()).isEqualTo(Verdict.PROTECTED);
      assertThat(x.key()).isEqualTo("u:BTCUSDT:LONG");
    });
  }

  @Test
  void otherTypesOrSymbolsDoNotProtect() {
    List<PositionVerdict> v = Protection.evaluate("u", List.of(pos("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY)),
        List.of(plan("BTCUSDT", PlanType.POS_PROFIT, "buy", "net"), plan("ETHUSDT", PlanType.POS_LOSS, "buy", "net"),
            plan("BTCUSDT", PlanType.UNKNOWN, "buy", "net")));
    assertThat(v).singleElement().satisfies(x -> assertThat(x.verdict()).isEqualTo(Verdict.MISSING));
  }

  @Test
  void hedgeModeMatchesTheSide() {
    List<PositionVerdict> v = Protection.evaluate("u",
        List.of(pos("ETHUSDT", HoldSide.LONG, PosMode.HEDGE), pos("ETHUSDT", HoldSide.SHORT, PosMode.HEDGE)),
        List.of(plan("ETHUSDT", PlanType.POS_LOSS, "buy", "long")));
    assertThat(v).extracting(PositionVerdict::verdict).containsExactly(Verdict.PROTECTED, Verdict.MISSING);
  }

  @Test
  void noPositionsNoVerdicts() {
    assertThat(Protection.evaluate("u", List.of(), List.of(plan("BTCUSDT", PlanType.POS_LOSS, "buy", "net")))).isEmpty();
  }
}
