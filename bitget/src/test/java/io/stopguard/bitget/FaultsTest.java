package io.stopguard.bitget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stopguard.sim.Faults;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client under the simulator's injected faults. */
class FaultsTest {
  SimServer sim;
  BitgetClient client;

  @BeforeEach
  void start() {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(BitgetClientTest.SCENARIO)), 0);
    client = BitgetClient.builder().baseUrl(sim.baseUrl()).timeout(Duration.ofMillis(800))
        .credentials(new Credentials("bg_k1", "s1", "p1")).build();
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  static Faults.Spec spec(long latency, double errors, int tooMany, double malformed, double truncated) {
    return new Faults.Spec(latency, 0, errors, tooMany, malformed, truncated);
  }

  @Test
  void a429BurstIsWaitedOutForReads() {
    sim.faults().set("/api/v2/mix/position/all-position", spec(0, 0, 1, 0, 0));
    assertThat(client.allPositions()).hasSize(2); // the first answer was 429; the retry went through
  }

  @Test
  void serverErrorsAreRetriedThenReported() {
    sim.faults().set("/api/v2/mix/position/all-position", spec(0, 1.0, 0, 0, 0));
    assertThatThrownBy(client::allPositions).isInstanceOfSatisfying(BitgetApiException.class, e -> {
      assertThat(e.httpStatus()).isEqualTo(500);
      assertThat(e.kind()).isEqualTo(ErrorKind.RETRYABLE);
    });
  }

  @Test
  void malformedAndTruncatedAnswersAreTransportErrors() {
    sim.faults().set("/api/v2/mix/position/all-position", spec(0, 0, 0, 1.0, 0));
    assertThatThrownBy(client::allPositions).isInstanceOf(BitgetTransportException.class)
        .hasMessageContaining("without Bitget's envelope");
    sim.faults().clear();
    sim.faults().set("/api/v2/mix/order/orders-plan-pending", spec(0, 0, 0, 0, 1.0));
    assertThatThrownBy(() -> client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null))
        .isInstanceOf(BitgetTransportException.class);
  }

  @Test
  void aSlowPlacementTimesOutAndIsNotRetriedBlindly() {
    sim.faults().set("/api/v2/mix/order/place-tpsl-order", spec(1500, 0, 0, 0, 0));
    long before = sim.restRequests();
    assertThatThrownBy(() -> client.placeTpslOrder(TpslOrder.positionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY,
        new BigDecimal("90000.0"), "slow-1")))
        .isInstanceOfSatisfying(BitgetTransportException.class, e -> assertThat(e.isTimeout()).isTrue());
    assertThat(sim.restRequests() - before).isEqualTo(1); // one attempt: writes are never retried here
  }

  @Test
  void rateLimitsAreRespectedByTheClient() {
    // 12 reads of all-position (5/s per UID on Bitget) in a row: the limiter spaces them, no 429 reaches us
    for (int i = 0; i < 12; i++) assertThat(client.allPositions()).hasSize(2);
  }
}
