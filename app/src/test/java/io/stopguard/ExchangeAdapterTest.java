package io.stopguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stopguard.bitget.BitgetApiException;
import io.stopguard.bitget.PlanType;
import io.stopguard.restore.PlacedStop;
import io.stopguard.restore.StopRejectedException;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The runbook's Python example, in Java, against the simulator. */
class ExchangeAdapterTest {
  static final String SCENARIO = """
      accounts:
        - {uid: "556251171", apiKey: bg_k1, secretKey: s1, passphrase: p1,
           positions: [{symbol: DASHUSDT, holdSide: short, total: "0.21", openPriceAvg: "68.10", leverage: 10}]}
      """;

  @Test
  void placeStopLossOrderLikeTheRunbook() {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0);
        ExchangeAdapter adapter = new ExchangeAdapter("bitget", Map.of("apiKey", "bg_k1", "secret", "s1", "passphrase", "p1"),
            false, "futures", sim.baseUrl())) {
      PlacedStop stop = adapter.placeStopLossOrder("DASHUSDT", "SHORT", new BigDecimal("0.21"), new BigDecimal("70.43")).join();
      assertThat(stop.planType()).isEqualTo(PlanType.POS_LOSS);
      assertThat(stop.confirmed()).isTrue();
      assertThat(adapter.stopOrders("DASHUSDT").join()).extracting(o -> o.orderId()).containsExactly(stop.orderId());
      assertThat(adapter.positions().join()).hasSize(1);

      assertThatThrownBy(() -> adapter.placeStopLossOrder("DASHUSDT", "SHORT", null, new BigDecimal("60.00")).join())
          .isInstanceOf(CompletionException.class).hasCauseInstanceOf(StopRejectedException.class);
    }
  }

  @Test
  void badKeysFailWithBitgetsCode() {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0);
        ExchangeAdapter adapter = new ExchangeAdapter("bitget", Map.of("apiKey", "bg_k1", "secret", "nope", "passphrase", "p1"),
            false, "futures", sim.baseUrl())) {
      assertThatThrownBy(() -> adapter.positions().join()).hasCauseInstanceOf(BitgetApiException.class)
          .hasMessageContaining("40009");
    }
    assertThatThrownBy(() -> new ExchangeAdapter("binance", Map.of(), false, "futures"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
