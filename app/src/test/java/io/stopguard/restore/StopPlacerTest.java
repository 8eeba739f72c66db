package io.stopguard.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.TpslOrder;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.AuditEntry;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopPlacerTest {
  @Test
  void aRepeatedPlacementFindsTheFirstInsteadOfDoubling() {
    String scenario = """
        accounts:
          - {uid: "1", apiKey: k, secretKey: s, passphrase: p,
             positions: [{symbol: ETHUSDT, holdSide: long, total: "1.00", openPriceAvg: "3400.00", leverage: 5}]}
        """;
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario)), 0)) {
      BitgetClient client = BitgetClient.builder().baseUrl(sim.baseUrl()).credentials(new Credentials("k", "s", "p")).build();
      List<AuditEntry> audit = new ArrayList<>();
      StopPlacer placer = new StopPlacer(client, "1", "test", audit::add);
      TpslOrder o = TpslOrder.positionStopLoss("ETHUSDT", HoldSide.LONG, PosMode.ONE_WAY, new BigDecimal("3200.00"),
          ClientOids.of("1", "ETHUSDT", "LONG", "attempt-1"));

      PlacedStop first = placer.placeIdempotent(o);
      PlacedStop second = placer.placeIdempotent(o); // e.g. a retry after a lost answer

      assertThat(first.action()).isEqualTo("placed");
      assertThat(second.action()).isEqualTo("already-there");
      assertThat(second.orderId()).isEqualTo(first.orderId());
      assertThat(sim.exchange().countPlans("1", "ETHUSDT", "long", "pos_loss")).isEqualTo(1);
      assertThat(audit).extracting(AuditEntry::result).contains("ok", "40786");
    }
  }

  @Test
  void clientOidsAreDeterministicAndShort() {
    assertThat(ClientOids.of("a", "b")).isEqualTo(ClientOids.of("a", "b")).hasSize(32).startsWith("sg-");
    assertThat(ClientOids.of("a", "b")).isNotEqualTo(ClientOids.of("ab", ""));
  }
}
