package io.stopguard.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  /**
   * The send window: every write asks the fence right before it leaves. A lost right to act stops
   * a placement before anything is sent, and a one-way replace between its cancel and its
   * placement (the new owner places; this one sends nothing more).
   */
  @Test
  void aFenceThatSaysNoStopsEachWriteBeforeItLeaves() {
    String scenario = """
        accounts:
          - {uid: "1", apiKey: k, secretKey: s, passphrase: p,
             positions: [{symbol: ETHUSDT, holdSide: long, total: "1.00", openPriceAvg: "3400.00", leverage: 5}],
             planOrders: [{symbol: ETHUSDT, planType: pos_loss, holdSide: long, triggerPrice: "3000.00"}]}
        """;
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario)), 0)) {
      sim.exchange().history().enable();
      BitgetClient client = BitgetClient.builder().baseUrl(sim.baseUrl()).credentials(new Credentials("k", "s", "p")).build();
      List<AuditEntry> audit = new ArrayList<>();
      TpslOrder o = TpslOrder.positionStopLoss("ETHUSDT", HoldSide.LONG, PosMode.ONE_WAY, new BigDecimal("3200.00"),
          ClientOids.of("1", "ETHUSDT", "LONG", "fenced"));

      StopPlacer never = new StopPlacer(client, "1", "test", audit::add).fencedBy(() -> false);
      assertThatThrownBy(() -> never.placeIdempotent(o)).isInstanceOfSatisfying(StopRejectedException.class,
          e -> assertThat(e.reason()).isEqualTo(StopRejectedException.Reason.NOT_OURS));
      assertThat(sim.exchange().history().events()).noneMatch(e -> e.kind().equals("place-attempt"));

      // a replace (the 3000.00 stop moved to 3200.00): the cancel may go, the placement may not
      int[] asked = {0};
      StopPlacer once = new StopPlacer(client, "1", "test", audit::add).fencedBy(() -> asked[0]++ == 0);
      StopPlacer.Preview pv = once.preview(new StopRequest("ETHUSDT", HoldSide.LONG, null, new BigDecimal("3200.00"), true,
          o.clientOid()));
      assertThatThrownBy(() -> once.place(pv)).isInstanceOfSatisfying(StopRejectedException.class,
          e -> assertThat(e.reason()).isEqualTo(StopRejectedException.Reason.NOT_OURS));
      assertThat(asked[0]).isEqualTo(2);
      assertThat(sim.exchange().history().events()).noneMatch(e -> e.kind().equals("place-attempt"));
    }
  }

  @Test
  void clientOidsAreDeterministicAndShort() {
    assertThat(ClientOids.of("a", "b")).isEqualTo(ClientOids.of("a", "b")).hasSize(32).startsWith("sg-");
    assertThat(ClientOids.of("a", "b")).isNotEqualTo(ClientOids.of("ab", ""));
  }
}
