package io.stopguard.guard;

import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.TpslOrder;
import io.stopguard.restore.StopPlacer;
import io.stopguard.restore.StopRejectedException;
import io.stopguard.store.AuditEntry;
import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.ManualTime;
import io.stopguard.TestScenarios;
import io.stopguard.alert.Alerting;
import io.stopguard.bitget.Credentials;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Fidelity;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guard's core promises under every variant of the Bitget behaviours no source settles
 * (bitget-sim/FIDELITY.md): the check reports exactly the unprotected positions, the guard gives
 * each exactly one valid stop, moves a wrong one rather than adding a second, treats a
 * conditional (normal_plan) order as no stop, and copes with a stop left behind by a position
 * closed by hand. Whichever Bitget is, these hold.
 */
class GuardUnderEveryVariantTest {
  static final String SCENARIO = TestScenarios.text("one-way-and-hedge-four-kinds-of-unprotected");

  static Stream<Fidelity> variants() {
    return Fidelity.everyVariant().stream();
  }

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void everyPositionEndsWithExactlyOneValidStop(Fidelity variant) throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO).with(variant)), 0);
        Store store = Store.open(dir.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")));
        StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 8, Policy.DEFAULT)) {
      SimExchange ex = sim.exchange();
      // 1. The one-off check: the bare short, the wrong-side stop, the position with only a conditional order, the bare hedge short.
      List<ExchangeKey> keys = List.of(new ExchangeKey(1, "9001", "bitget", false, new Credentials("bg_k1", "s1", "p1")),
          new ExchangeKey(2, "9002", "bitget", false, new Credentials("bg_k2", "s2", "p2")));
      assertThat(check.run(keys).unprotected())
          .containsExactly("9001:DASHUSDT:SHORT", "9001:SOLUSDT:LONG", "9001:XRPUSDT:LONG", "9002:ETHUSDT:SHORT");

      // 2. The guard restores: one stop each, the wrong one moved, the good one untouched.
      store.keys().put("9001", "bitget", "bg_k1", "s1", "p1", false);
      store.keys().put("9002", "bitget", "bg_k2", "s2", "p2", false);
      ByteArrayOutputStream console = new ByteArrayOutputStream();
      Alerting alerting = Alerting.console(new PrintStream(console, true), "ru");
      StopguardMetrics metrics = new StopguardMetrics();
      ManualTime time = new ManualTime(); // grace and reconciles pass when the test says
      CheckService service = new CheckService(store, check, Policy.DEFAULT, alerting, metrics, null,
          new IncidentLog(dir.resolve("docs/incident_log.md")), time.clock());
      WatchSettings settings = WatchSettings.DEFAULT.withRestore(WatchSettings.Restore.ON)
          .withGrace(Duration.ofMillis(200)).withInterval(Duration.ofMillis(1000)).withParallelism(8);
      try (Watcher w = Watcher.builder(store, check, service).alerting(alerting).metrics(metrics).settings(settings).webSocket(sim.webSocketUrl()).time(time.timebase()).build()) {
        w.start();
        Drive.advanceUntil(time, Duration.ofMillis(100), () -> holds(() -> assertEveryPositionHasOneValidStop(ex, 5)), w);
        assertThat(ex.countPlans("9001", "XRPUSDT", "long", "normal_plan")).as("the conditional order is left alone").isEqualTo(1);

        // 3. Closed by hand and reopened the other way: a stop left behind (posLossOnClose=keep) is now on the
        //    wrong side of the new long; the guard moves it. Cancelled with the position: the new one is bare.
        ex.closePosition("9001", "DASHUSDT", "short");
        ex.openPosition("9001", new Scenario.PositionSpec("DASHUSDT", "long", new BigDecimal("0.30"), new BigDecimal("68.50"), 10,
            null, null));
        Drive.advanceUntil(time, Duration.ofMillis(100), () -> holds(() -> assertEveryPositionHasOneValidStop(ex, 5)), w);

        // 4. The trader adds to the hedge long in Bitget's app: its stop stays, or Bitget cancels it (posLossOnResize).
        ex.resizePosition("9002", "ETHUSDT", "long", new BigDecimal("0.80"));
        Drive.advanceUntil(time, Duration.ofMillis(100), () -> holds(() -> assertEveryPositionHasOneValidStop(ex, 5)), w);

        // 5. Another restart of the same work changes nothing: no second stop anywhere.
        time.advance(Duration.ofSeconds(3)); // three reconciles of both accounts, every timer left fires
        Drive.settle(w);
        assertEveryPositionHasOneValidStop(ex, 5);

        // 6. The trader closes a position whose stop the guard placed: Bitget cancels the stop with it,
        //    or keeps it (posLossOnClose=keep); then the guard cancels it, so it cannot sit under the
        //    symbol's next position.
        ex.closePosition("9001", "XRPUSDT", "long");
        Drive.advanceUntil(time, Duration.ofMillis(100), () -> ex.countPlans("9001", "XRPUSDT", "long", "pos_loss") == 0, w);
      }
      assertThat(console.toString()).contains("🚨 Bitget stop-loss отсутствует");
    }
  }

  static boolean holds(Runnable assertion) {
    try {
      assertion.run();
      return true;
    } catch (AssertionError notYet) {
      return false;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void aSpentClientOidIsRecognisedWhicheverCodeBitgetUses(Fidelity variant) {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO).with(variant)), 0)) {
      BitgetClient client = BitgetClient.builder().baseUrl(sim.baseUrl())
          .credentials(new Credentials("bg_k1", "s1", "p1")).build();
      List<AuditEntry> audit = new ArrayList<>();
      StopPlacer placer = new StopPlacer(client, "9001", "test", audit::add);
      TpslOrder order = new TpslOrder("DASHUSDT", PlanType.POS_LOSS,
          HoldSide.SHORT, PosMode.ONE_WAY, new BigDecimal("70.43"), "mark_price", null,
          null, "sg-spent-1");
      assertThat(placer.placeIdempotent(order).confirmed()).isTrue();
      assertThat(placer.placeIdempotent(order).action()).as("landed before: found, not doubled").isEqualTo("already-there");
      sim.exchange().cancelStopsFromOutside("9001", "DASHUSDT", "short");
      Assertions.assertThatThrownBy(() -> placer.placeIdempotent(order))
          .isInstanceOfSatisfying(StopRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(StopRejectedException.Reason.CLIENT_OID_SPENT));
      assertThat(sim.exchange().countPlans("9001", "DASHUSDT", "short", "pos_loss")).isZero();
    }
  }

  /** Every open position has exactly one pos_loss, on the loss side of the mark and before liquidation. */
  @SuppressWarnings("unchecked")
  static void assertEveryPositionHasOneValidStop(SimExchange ex, int positions) {
    Map<String, Long> stops = ex.positionStops();
    assertThat(stops).hasSize(positions);
    assertThat(stops.values()).as(stops.toString()).allMatch(n -> n == 1);
    for (Map<String, Object> account : (List<Map<String, Object>>) ex.stateJson().get("accounts")) {
      for (Map<String, Object> p : (List<Map<String, Object>>) account.get("positions")) {
        BigDecimal sl = new BigDecimal((String) p.get("stopLoss"));
        BigDecimal mark = new BigDecimal((String) p.get("markPrice"));
        BigDecimal liq = new BigDecimal((String) p.get("liquidationPrice"));
        boolean isLong = p.get("holdSide").equals("long");
        String what = account.get("uid") + " " + p.get("symbol") + " " + p.get("holdSide") + " stop " + sl + " mark " + mark;
        assertThat(isLong ? sl.compareTo(mark) < 0 && sl.compareTo(liq) > 0 : sl.compareTo(mark) > 0 && sl.compareTo(liq) < 0)
            .as(what).isTrue();
      }
    }
  }
}
