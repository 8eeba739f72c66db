package io.stopguard.guard;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.IpBudget;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.TpslOrder;
import io.stopguard.sim.Faults;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.stopguard.ManualTime;
import io.stopguard.TestScenarios;
import io.stopguard.alert.Alerting;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.cli.TestSql;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guard end to end on the simulator: push-driven detection, reconcile, idempotent restore. */
class WatcherTest {
  static final String SCENARIO = TestScenarios.text("one-account-two-protected-positions");

  @TempDir
  Path dir;
  SimServer sim;
  /** The guard's timers and clock: grace periods and back-offs pass when a test advances it, not by sleeping. */
  final ManualTime time = new ManualTime();
  final List<AutoCloseable> toClose = new ArrayList<>();
  final ByteArrayOutputStream console = new ByteArrayOutputStream();

  @BeforeEach
  void start() {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : toClose.reversed()) c.close();
    sim.close();
  }

  record Guard(Watcher watcher, Store store, StopguardMetrics metrics) {}

  Guard guard(String name, WatchSettings settings) {
    return guard(name, settings, Duration.ofSeconds(5));
  }

  Guard guard(String name, WatchSettings settings, Duration timeout) {
    return guard(name, settings, timeout, Alerting.DEFAULT_FLAP_WINDOW);
  }

  Guard guard(String name, WatchSettings settings, Duration timeout, Duration flapWindow) {
    Path home = dir.resolve(name);
    Store store = Store.open(home.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key")));
    store.keys().put("9001", "bitget", "bg_k1", "s1", "p1", false);
    // a budget of its own, as a watch process has: one test's 429s throttle no other test's guard
    StopLossCheck check = new StopLossCheck(sim.baseUrl(), timeout, 8, Policy.DEFAULT, IpBudget.bitget());
    Alerting alerting = Alerting.console(new PrintStream(console, true), "ru").withFlapWindow(flapWindow);
    StopguardMetrics metrics = new StopguardMetrics();
    CheckService service = new CheckService(store, check, Policy.DEFAULT, alerting, metrics, null,
        new IncidentLog(home.resolve("docs/incident_log.md")), time.clock());
    Watcher w = Watcher.builder(store, check, service).alerting(alerting).metrics(metrics).settings(settings).webSocket(sim.webSocketUrl()).time(time.timebase()).build();
    toClose.add(store);
    toClose.add(w);
    w.start();
    return new Guard(w, store, metrics);
  }

  static WatchSettings settings(WatchSettings.Restore restore, long graceMs, long intervalMs, boolean ws) {
    return WatchSettings.DEFAULT.withRestore(restore).withGrace(Duration.ofMillis(graceMs)).withInterval(Duration.ofMillis(intervalMs))
        .withWebSocket(ws).withParallelism(8);
  }

  static void settle(Guard... guards) {
    Drive.settle(watchers(guards));
  }

  void advanceUntil(Duration step, Callable<Boolean> done, Guard... guards) {
    Drive.advanceUntil(time, step, done, watchers(guards));
  }

  void awaitLive(Guard... guards) {
    Drive.awaitLive(time, watchers(guards));
  }

  static Watcher[] watchers(Guard... guards) {
    return Arrays.stream(guards).map(Guard::watcher).toArray(Watcher[]::new);
  }

  long stops(String symbol, String side) {
    return sim.exchange().countPlans("9001", symbol, side, "pos_loss");
  }

  String sql(Store store, String q) throws Exception {
    return TestSql.query(store.database().file(), q);
  }

  @Test
  void aStopCancelledFromOutsideIsRestoredExactlyOnceViaThePush() throws Exception {
    Guard g = guard("a", settings(WatchSettings.Restore.ON, 200, 600_000, true)); // no polling: only pushes
    awaitLive(g);
    sim.exchange().cancelStopsFromOutside("9001", "DASHUSDT", "short");
    await().atMost(Duration.ofSeconds(10)).until(() -> sql(g.store(), "SELECT count(*) FROM incidents").equals("1"));
    settle(g);
    assertThat(time.pendingOneShots()).as("the look again after the grace period").contains(Duration.ofMillis(201));
    time.advance(Duration.ofMillis(199));
    settle(g);
    assertThat(stops("DASHUSDT", "short")).as("still within the grace period").isZero();
    time.advance(Duration.ofMillis(2));
    await().atMost(Duration.ofSeconds(10)).until(() -> stops("DASHUSDT", "short") == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> sql(g.store(), "SELECT state FROM incidents").equals("restored"));
    assertThat(sql(g.store(), "SELECT restored_by FROM incidents")).isEqualTo("watch");
    assertThat(sql(g.store(), "SELECT count(*) FROM audit_log WHERE action='place' AND result='ok'")).isEqualTo("1");
    assertThat(sql(g.store(), "SELECT trigger_price FROM audit_log WHERE action='place'")).as("the trader's own stop back")
        .isEqualTo("70.43");
    assertThat(sql(g.store(), "SELECT detail FROM audit_log WHERE action='place'")).as("and the audit row says which stop")
        .contains("the stop seen on the position at ");
    time.advance(Duration.ofSeconds(5)); // every timer the restore left fires: nothing more is placed
    settle(g);
    assertThat(stops("DASHUSDT", "short")).isEqualTo(1);
    assertThat(sql(g.store(), "SELECT value FROM risk_flags")).isEqualTo("0");
    assertThat(console.toString()).contains("🚨 Bitget stop-loss отсутствует").contains("✅ Bitget stop-loss восстановлен")
        .contains("(watch); the stop seen on the position at "); // the alert says which stop was put back
  }

  /**
   * A watcher that never saw the stop (a restart, a fleet takeover) puts back the one the previous
   * watcher saw, not the policy's 10 % from entry: looks record each position's stop as intended.
   */
  @Test
  void aWatcherThatNeverSawTheStopPutsBackTheTradersOwn() throws Exception {
    Guard first = guard("t", settings(WatchSettings.Restore.ON, 0, 600_000, true));
    awaitLive(first);
    await().atMost(Duration.ofSeconds(10)).until(() -> sql(first.store(), "SELECT count(*) FROM intended_stops").equals("2"));
    first.watcher().close();
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long");
    Guard next = guard("t", settings(WatchSettings.Restore.ON, 0, 600_000, true));
    advanceUntil(Duration.ofMillis(100), () -> stops("ETHUSDT", "long") == 1, next);
    await().atMost(Duration.ofSeconds(10)).until(() -> !sql(next.store(), "SELECT trigger_price FROM audit_log").isEmpty());
    assertThat(sql(next.store(), "SELECT trigger_price FROM audit_log WHERE action='place'")).isEqualTo("3200.00");
  }

  /** A position closed and reopened is a new position: it does not inherit the old one's stop (the policy's applies). */
  @Test
  void aReopenedPositionDoesNotInheritTheOldStop() throws Exception {
    Guard g = guard("r", settings(WatchSettings.Restore.ON, 0, 600_000, true));
    awaitLive(g);
    await().atMost(Duration.ofSeconds(10)).until(() -> sql(g.store(), "SELECT count(*) FROM intended_stops").equals("2"));
    sim.exchange().closePosition("9001", "ETHUSDT", "long");
    Thread.sleep(5); // a new opening time
    sim.exchange().openPosition("9001", new Scenario.PositionSpec("ETHUSDT", "long", new BigDecimal("1.00"),
        new BigDecimal("3400.00"), null, null, null));
    advanceUntil(Duration.ofMillis(100), () -> stops("ETHUSDT", "long") == 1, g);
    await().atMost(Duration.ofSeconds(10)).until(() -> !sql(g.store(), "SELECT trigger_price FROM audit_log").isEmpty());
    assertThat(sql(g.store(), "SELECT trigger_price FROM audit_log WHERE action='place'")).isNotEqualTo("3200.00");
    assertThat(sql(g.store(), "SELECT detail FROM audit_log WHERE action='place'")).contains("% from entry");
  }

  /**
   * A look asks for positions and plan orders at once. Here the plan orders are read first and the
   * positions 400 ms later; in between, the trader opens a BTCUSDT long and puts its stop on. The
   * positions show the new position, the plan orders (older) not its stop: a state Bitget never had.
   * The guard asks for the plan orders again, after the positions, and sees it protected: no
   * incident, no alert. (Without that second request this test fails: the long is called bare.)
   */
  @Test
  void aPositionOpenedWithItsStopWhileALookIsOutIsNeverCalledBare() throws Exception {
    sim.exchange().history().enable();
    Guard g = guard("n", settings(WatchSettings.Restore.ON, 0, 1000, false)); // polled: the look starts when the test says
    advanceUntil(Duration.ofMillis(200), () -> g.watcher().health().stream().allMatch(a -> a.lastReconcile() != null), g);
    settle(g);
    sim.faults().set("/api/v2/mix/position/all-position", new Faults.Spec(400, 0, 0, 0, 0, 0));
    BitgetClient trader = BitgetClient.builder().baseUrl(sim.baseUrl()).credentials(new Credentials("bg_k1", "s1", "p1")).build();
    long plansBefore = planReads();
    time.advance(Duration.ofMillis(1000)); // the next reconcile: its look is out on the guard's threads
    Thread.sleep(150); // its plan orders are read; its positions are held back
    sim.exchange().openPosition("9001", new Scenario.PositionSpec("BTCUSDT", "long", new BigDecimal("0.01"),
        new BigDecimal("94000"), 10, null, null));
    trader.placeTpslOrder(new TpslOrder("BTCUSDT", PlanType.POS_LOSS, HoldSide.LONG, PosMode.ONE_WAY, new BigDecimal("90000"),
        "mark_price", null, null, "trader-1"));
    settle(g); // the look ends
    sim.faults().clear();
    assertThat(planReads() - plansBefore).as("the plan orders asked beside the positions, then again after them").isEqualTo(2);
    assertThat(sql(g.store(), "SELECT count(*) FROM incidents")).as("no incident for a state Bitget never had").isEqualTo("0");
    assertThat(console.toString()).doesNotContain("BTCUSDT");
    assertThat(stops("BTCUSDT", "long")).as("the trader's stop only").isEqualTo(1);
  }

  /**
   * The other side of the same race (found by CI as a rare failure of aReopenedPositionDoesNotInheritTheOldStop,
   * made certain here): the ETHUSDT long is closed and opened again while a look's positions are held
   * back; its plan orders, read first, still list the old position's stop. That must neither pass
   * for the new position's protection nor be recorded as its stop: the restore puts back the
   * policy's stop, not 3200.
   */
  @Test
  void aPositionReopenedWhileALookIsOutDoesNotTakeTheOldPositionsStop() throws Exception {
    Guard g = guard("o", settings(WatchSettings.Restore.ON, 0, 1000, false));
    advanceUntil(Duration.ofMillis(200), () -> g.watcher().health().stream().allMatch(a -> a.lastReconcile() != null), g);
    settle(g);
    sim.faults().set("/api/v2/mix/position/all-position", new Faults.Spec(400, 0, 0, 0, 0, 0));
    time.advance(Duration.ofMillis(1000)); // the next look is out; its plan orders are read at once
    Thread.sleep(150);
    sim.exchange().closePosition("9001", "ETHUSDT", "long"); // its stop goes with it
    Thread.sleep(5); // a new opening time
    sim.exchange().openPosition("9001", new Scenario.PositionSpec("ETHUSDT", "long", new BigDecimal("1.00"),
        new BigDecimal("3400.00"), null, null, null));
    settle(g);
    sim.faults().clear();
    advanceUntil(Duration.ofMillis(100), () -> stops("ETHUSDT", "long") == 1, g);
    await().atMost(Duration.ofSeconds(10)).until(() -> !sql(g.store(), "SELECT trigger_price FROM audit_log WHERE action='place'").isEmpty());
    assertThat(sql(g.store(), "SELECT trigger_price FROM audit_log WHERE action='place'"))
        .as(sql(g.store(), "SELECT action, trigger_price, detail FROM audit_log") + "\n" + console).isNotEqualTo("3200.00");
  }

  long planReads() {
    return sim.exchange().history().events().stream()
        .filter(e -> e.detail() != null && e.detail().startsWith("GET /api/v2/mix/order/orders-plan-pending")).count();
  }

  @Test
  void withoutWebSocketTheReconcileCatchesIt() throws Exception {
    Guard g = guard("b", settings(WatchSettings.Restore.ON, 100, 500, false));
    advanceUntil(Duration.ofMillis(200), () -> g.watcher().health().stream().allMatch(a -> a.lastReconcile() != null), g);
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long");
    Instant cancelled = time.clock().instant();
    advanceUntil(Duration.ofMillis(100), () -> stops("ETHUSDT", "long") == 1, g);
    // the next reconcile (<= 500 ms, on a 200 ms tick) saw it; the grace (100 ms) later it was placed
    assertThat(Duration.between(cancelled, time.clock().instant())).isLessThanOrEqualTo(Duration.ofMillis(900));
  }

  @Test
  void aDroppedWebSocketIsReconciledWhenItComesBack() throws Exception {
    Guard g = guard("c", settings(WatchSettings.Restore.ON, 100, 600_000, true));
    awaitLive(g);
    sim.exchange().removeAllListenersForTest();      // pushes are lost from here on...
    sim.exchange().cancelStopsFromOutside("9001", "DASHUSDT", "short");
    time.advance(Duration.ofSeconds(5));
    settle(g);
    assertThat(stops("DASHUSDT", "short")).isZero();  // ...so nothing noticed yet
    sim.dropWebSockets("9001");                        // the blind connection drops and comes back
    advanceUntil(Duration.ofMillis(100), () -> stops("DASHUSDT", "short") == 1, g);
  }

  @Test
  void aLookThatFailsIsRetriedSoonWithoutWaitingForTheNextPushOrReconcile() throws Exception {
    Guard g = guard("f", settings(WatchSettings.Restore.ON, 0, 600_000, true)); // no polling: only pushes
    awaitLive(g);
    sim.faults().set("/api/v2/mix/position/all-position", new Faults.Spec(0, 0, 1.0, 0, 0, 0));
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long"); // the push comes, the look fails (500s)
    await().atMost(Duration.ofSeconds(10)).until(() -> g.watcher().health().getFirst().lastError() != null);
    settle(g);
    sim.faults().clear();
    // No further push and no reconcile for 10 minutes: only the back-off look (2 s) can find and restore it.
    Instant answering = time.clock().instant();
    advanceUntil(Duration.ofMillis(200), () -> stops("ETHUSDT", "long") == 1, g);
    assertThat(Duration.between(answering, time.clock().instant())).isLessThanOrEqualTo(Duration.ofMillis(2400));
  }

  @Test
  void twoWatchersNeverMakeADuplicateStop() throws Exception {
    Guard g1 = guard("d1", settings(WatchSettings.Restore.ON, 100, 600_000, true));
    Guard g2 = guard("d2", settings(WatchSettings.Restore.ON, 100, 600_000, true));
    awaitLive(g1, g2);
    for (int i = 0; i < 3; i++) {
      sim.exchange().cancelStopsFromOutside("9001", "DASHUSDT", "short");
      advanceUntil(Duration.ofMillis(50), () -> stops("DASHUSDT", "short") == 1, g1, g2);
      time.advance(Duration.ofSeconds(3)); // both guards' every timer fires
      settle(g1, g2);
      assertThat(stops("DASHUSDT", "short")).isEqualTo(1);
    }
    // and a restart of one of them resumes without placing anything new
    g1.watcher().close();
    Guard g3 = guard("d1b", settings(WatchSettings.Restore.ON, 100, 300, false));
    advanceUntil(Duration.ofMillis(200), () -> g3.watcher().health().getFirst().lastReconcile() != null, g2, g3);
    for (int i = 0; i < 5; i++) { // reconciles every 300 ms
      time.advance(Duration.ofMillis(300));
      settle(g2, g3);
    }
    assertThat(stops("DASHUSDT", "short")).isEqualTo(1);
    assertThat(g3.watcher().health()).hasSize(1);
  }

  @Test
  void aPositionClosedDuringTheGracePeriodEndsTheIncidentWithoutPlacing() throws Exception {
    Guard g = guard("e", settings(WatchSettings.Restore.ON, 1500, 600_000, true));
    awaitLive(g);
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long");
    await().atMost(Duration.ofSeconds(5)).until(() -> sql(g.store(), "SELECT count(*) FROM incidents").equals("1"));
    sim.exchange().closePosition("9001", "ETHUSDT", "long");
    await().atMost(Duration.ofSeconds(10)).until(() -> sql(g.store(), "SELECT state || '|' || resolution FROM incidents")
        .equals("resolved|position closed"));
    settle(g);
    time.advance(Duration.ofSeconds(2)); // past the grace period: its look again finds nothing to do
    settle(g);
    assertThat(sql(g.store(), "SELECT count(*) FROM audit_log")).isEqualTo("0");
    assertThat(stops("ETHUSDT", "long")).isZero();
  }

  @Test
  void dryRunAlertsWithTheExactOrderAndPlacesNothing() throws Exception {
    Guard g = guard("f", settings(WatchSettings.Restore.DRY_RUN, 100, 600_000, true));
    awaitLive(g);
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long");
    advanceUntil(Duration.ofMillis(50), () -> console.toString().contains("dry-run: would send"), g);
    assertThat(console.toString()).contains("\"planType\":\"pos_loss\"").contains("\"symbol\":\"ETHUSDT\"");
    String dryRun = console.toString().substring(console.toString().lastIndexOf("🚨"));
    assertThat(dryRun).as("the alert names the user").contains("Пользователь: 9001").contains("ETHUSDT LONG");
    assertThat(stops("ETHUSDT", "long")).isZero();
    // a dry run changes nothing: the incident is not restoring, has no attempt, and nothing escalates
    time.advance(Duration.ofSeconds(15)); // past the escalation bound (10 s)
    settle(g);
    assertThat(sql(g.store(), "SELECT state, attempts, restoring_at IS NULL, escalated_at IS NULL FROM incidents"))
        .isEqualTo("open|0|1|1");
    assertThat(console.toString().split("dry-run: would send", -1)).as("one dry-run alert per incident").hasSize(2);
    g.watcher().close();
    // then --restore on: it restores at once and pages no 🆘 for a restore that never ran
    Guard on = guard("f", settings(WatchSettings.Restore.ON, 100, 600_000, true));
    advanceUntil(Duration.ofMillis(50), () -> stops("ETHUSDT", "long") == 1, on);
    time.advance(Duration.ofSeconds(2));
    settle(on);
    assertThat(console.toString()).doesNotContain("🆘");
  }

  @Test
  void wrongSideStopIsMovedNotDoubled() throws Exception {
    // A short's stop on fill price at 70.43; the mark then runs through it to 71.00 while the last
    // traded price stays behind: the stop has not fired and now sits on the profit side of the mark.
    sim.exchange().cancelStopsFromOutside("9001", "DASHUSDT", "short");
    BitgetClient bg = BitgetClient.builder().baseUrl(sim.baseUrl())
        .credentials(new Credentials("bg_k1", "s1", "p1")).build();
    bg.placeTpslOrder(new TpslOrder("DASHUSDT", PlanType.POS_LOSS,
        HoldSide.SHORT, PosMode.ONE_WAY, new BigDecimal("70.43"), "fill_price", null,
        null, "outside-1"));
    Guard g = guard("g", settings(WatchSettings.Restore.ON, 100, 600_000, true));
    awaitLive(g);
    sim.exchange().setMarkPriceOnly("DASHUSDT", new BigDecimal("71.00")); // trades lag: the fill_price stop does not fire
    advanceUntil(Duration.ofMillis(50), () -> sql(g.store(), "SELECT count(*) FROM audit_log WHERE result='ok'").equals("2"), g);
    // One-way: moved by cancel and a fresh placement with the position's own side (StopPlacer.replaceOneWay).
    assertThat(sql(g.store(), "SELECT group_concat(action) FROM (SELECT action FROM audit_log WHERE result='ok' ORDER BY id)"))
        .isEqualTo("cancel,place");
    assertThat(new BigDecimal(sql(g.store(), "SELECT trigger_price FROM audit_log WHERE result='ok' AND action='place'")))
        .isGreaterThan(new BigDecimal("71.00"));
    assertThat(stops("DASHUSDT", "short")).isEqualTo(1); // moved, not doubled
    await().atMost(Duration.ofSeconds(10)).until(() -> sql(g.store(), "SELECT state FROM incidents").equals("restored"));
    assertThat(sql(g.store(), "SELECT verdict FROM incidents")).isEqualTo("WRONG_SIDE");
  }

  @Test
  void aStopCancelledWhileItsAnswerWasLostIsPlacedAgainWithAFreshClientOid() throws Exception {
    // The place is executed but its answer held past the client's timeout; the stop is cancelled
    // from outside before the look-up sees it. The clientOid is then spent: Bitget refuses it as a
    // duplicate forever, so the guard must move on to a fresh one rather than retry it.
    Guard g = guard("h", settings(WatchSettings.Restore.ON, 0, 600_000, true), Duration.ofMillis(800));
    awaitLive(g);
    sim.faults().set("/api/v2/mix/order/place-tpsl-order", Faults.Spec.lateAnswer(2500));
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long");
    // a race with the client's 800 ms timeout, so polled as fast as the simulator can answer
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1)).until(() -> stops("ETHUSDT", "long") == 1);
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long"); // before the look-up after the timeout sees it
    sim.faults().clear();
    Instant cancelled = time.clock().instant();
    advanceUntil(Duration.ofMillis(100), () -> stops("ETHUSDT", "long") == 1, g);
    assertThat(Duration.between(cancelled, time.clock().instant())).isLessThan(Duration.ofSeconds(5)); // grace (0) + 5 s
    advanceUntil(Duration.ofMillis(100), () -> sql(g.store(), "SELECT state FROM incidents WHERE symbol='ETHUSDT'")
        .equals("restored"), g);
    assertThat(sql(g.store(), "SELECT count(*) FROM audit_log WHERE result='40786'")).isEqualTo("1");
    assertThat(sql(g.store(), "SELECT oid_generation FROM incidents WHERE symbol='ETHUSDT'")).isEqualTo("1");
    assertThat(sql(g.store(), "SELECT count(DISTINCT client_oid) FROM audit_log WHERE action='place'")).isEqualTo("2");
    time.advance(Duration.ofSeconds(5));
    settle(g);
    assertThat(stops("ETHUSDT", "long")).isEqualTo(1);
  }

  @Test
  void aRestoreThatKeepsFailingIsEscalatedLoudlyAndClearsWhenItLands() throws Exception {
    Guard g = guard("i", settings(WatchSettings.Restore.ON, 0, 600_000, true).withEscalation(3, Duration.ofSeconds(30)));
    awaitLive(g);
    sim.faults().set("/api/v2/mix/order/place-tpsl-order", new Faults.Spec(0, 0, 1.0, 0, 0, 0));
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long");
    advanceUntil(Duration.ofMillis(500), () -> !g.watcher().summary().restoresFailing().isEmpty(), g);
    assertThat(g.watcher().summary().degradedBecause().toString()).contains("9001:ETHUSDT:LONG");
    assertThat(console.toString()).contains("🆘 Bitget stop-loss: восстановление не удаётся").contains("Bitget 40015");
    assertThat(sql(g.store(), "SELECT escalated_at IS NOT NULL FROM incidents WHERE symbol='ETHUSDT'")).isEqualTo("1");
    assertThat(scrape(g)).contains("stopguard_restore_escalations_total 1.0");
    sim.faults().clear();
    Instant answering = time.clock().instant();
    advanceUntil(Duration.ofMillis(500), () -> stops("ETHUSDT", "long") == 1, g);
    assertThat(Duration.between(answering, time.clock().instant())).as("escalated: looked at every 5 s")
        .isLessThanOrEqualTo(Duration.ofMillis(5500));
    advanceUntil(Duration.ofMillis(500), () -> g.watcher().summary().restoresFailing().isEmpty(), g);
    assertThat(console.toString().split("🆘", -1)).hasSize(2); // one escalation per incident, not one per attempt
  }

  /**
   * Escalation means "it is not going to fix itself": a 5 s burst of 500s on place-tpsl-order costs
   * a few quick attempts and no 🆘 (it paged 3 s in, "FAILING after 3 attempt(s) in 3 s"); the stop
   * is back once Bitget places again.
   */
  @Test
  void aShortBurstOfPlacementFailuresIsRetriedWithoutPaging() throws Exception {
    Guard g = guard("i2", settings(WatchSettings.Restore.ON, 0, 600_000, true).withEscalation(3, Duration.ofSeconds(30)));
    awaitLive(g);
    sim.faults().set("/api/v2/mix/order/place-tpsl-order", new Faults.Spec(0, 0, 1.0, 0, 0, 0));
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long");
    for (int i = 0; i < 10; i++) { // 5 s of refused placements, a try every second
      time.advance(Duration.ofMillis(500));
      settle(g);
    }
    assertThat(sql(g.store(), "SELECT attempts >= 3 FROM incidents WHERE symbol='ETHUSDT'")).isEqualTo("1");
    sim.faults().clear();
    advanceUntil(Duration.ofMillis(500), () -> stops("ETHUSDT", "long") == 1, g);
    assertThat(console.toString()).doesNotContain("🆘");
    assertThat(sql(g.store(), "SELECT escalated_at IS NULL FROM incidents WHERE symbol='ETHUSDT'")).isEqualTo("1");
  }

  @Test
  void afterA429BurstABarePositionIsProtectedWithin1sOfBitgetAnsweringAgain() throws Exception {
    Guard g = guard("j", settings(WatchSettings.Restore.ON, 1000, 600_000, true));
    awaitLive(g);
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long");
    await().atMost(Duration.ofSeconds(5)).until(() -> sql(g.store(), "SELECT count(*) FROM incidents").equals("1"));
    settle(g);
    // Known bare, waiting out its grace: now every request is refused with 429. A look is a read and
    // 3 retries (~3.3 s); a healthy account's back-off after it is 2, 4, 8 s, which a known-bare
    // position must not wait out: it is looked at again 1 s after each failed look, however many.
    sim.faults().set("*", new Faults.Spec(0, 0, 0, 1_000_000, 0, 0));
    for (int look = 0; look < 2; look++) {
      time.advance(look == 0 ? Duration.ofMillis(1001) : Duration.ofSeconds(1)); // past the grace, then the 1 s look again
      settle(g);
      assertThat(g.watcher().health().getFirst().lastError()).asString().contains("429");
      // the next look is at most 1 s ahead (exactly 1 s unless a reconcile happened to look meanwhile)
      assertThat(time.pendingOneShots()).as("after failed look %d", look + 1).isNotEmpty();
      assertThat(time.pendingOneShots().getFirst()).isBetween(Duration.ofMillis(1), Duration.ofSeconds(1));
      assertThat(stops("ETHUSDT", "long")).isZero();
    }
    sim.faults().clear();
    time.advance(Duration.ofSeconds(1));
    await().atMost(Duration.ofSeconds(5)).until(() -> stops("ETHUSDT", "long") == 1);
  }

  /**
   * A stop cancelled during a 429 episode: the push says the account changed, but every look is
   * refused, so the guard does not yet know the position is bare. Such a look is retried 1 s after
   * each failure like a known-bare one, not on a healthy account's 2, 4, 8, 16 s back-off (which cost
   * 25–44 s per cancel under bench/chaos's 429 episodes).
   */
  @Test
  void aStopCancelledDuringA429EpisodeIsLookedAtEverySecondUntilBitgetAnswers() throws Exception {
    Guard g = guard("j2", settings(WatchSettings.Restore.ON, 0, 600_000, true));
    awaitLive(g);
    sim.faults().set("*", new Faults.Spec(0, 0, 0, 1_000_000, 0, 0));
    sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long"); // the push arrives; its look is refused
    for (int look = 0; look < 2; look++) { // past the 2 s a healthy account's back-off would already wait
      // the push may still be on its way when the watcher looks idle: wait for the refused look itself
      await().atMost(Duration.ofSeconds(10)).until(() -> String.valueOf(g.watcher().health().getFirst().lastError()).contains("429"));
      settle(g);
      assertThat(g.watcher().health().getFirst().lastError()).asString().contains("429");
      assertThat(time.pendingOneShots()).as("after failed look %d", look + 1).isNotEmpty();
      assertThat(time.pendingOneShots().getFirst()).isBetween(Duration.ofMillis(1), Duration.ofSeconds(1));
      time.advance(Duration.ofSeconds(1));
    }
    sim.faults().clear();
    time.advance(Duration.ofSeconds(1));
    await().atMost(Duration.ofSeconds(5)).until(() -> stops("ETHUSDT", "long") == 1);
  }

  @Test
  void aFlappingStopGivesOneAlertThatSaysSoAndOneWhenItSettles() throws Exception {
    Guard g = guard("k", settings(WatchSettings.Restore.ON, 0, 600_000, true), Duration.ofSeconds(5), Duration.ofSeconds(16));
    awaitLive(g);
    ch.qos.logback.classic.Logger checkLog = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(CheckService.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    checkLog.addAppender(logged);
    try {
      for (int i = 0; i < 8; i++) { // cancelled from outside again and again; restored every time
        sim.exchange().cancelStopsFromOutside("9001", "ETHUSDT", "long");
        await().atMost(Duration.ofSeconds(5)).until(() -> stops("ETHUSDT", "long") == 1);
        settle(g);
        time.advance(Duration.ofMillis(300));
      }
    } finally {
      checkLog.detachAppender(logged);
    }
    // The log is English whatever the alerts' language (it said "within 16 с" under a Russian team).
    assertThat(logged.list).map(ILoggingEvent::getFormattedMessage).filteredOn(m -> m.contains("is flapping"))
        .singleElement().asString().contains("bare 3 times within").doesNotContainPattern("\\p{IsCyrillic}");
    String text = console.toString();
    assertThat(text.split("🚨 Bitget stop-loss отсутствует", -1)).hasSize(3); // the first two episodes
    assertThat(text.split("🔁 Bitget stop-loss мигает", -1)).hasSize(2);       // then one "flapping"
    assertThat(text.split("✅ Bitget stop-loss восстановлен", -1)).hasSize(3);
    // every episode the guard saw is an incident (a cancel landing before the last restore was
    // confirmed continues that incident, so there may be fewer than 8)
    String episodes = sql(g.store(), "SELECT count(*) FROM incidents WHERE symbol='ETHUSDT'");
    assertThat(Integer.parseInt(episodes)).isBetween(3, 8);
    advanceUntil(Duration.ofMillis(500), () -> console.toString().contains("✅ Bitget stop-loss стабилен"), g);
    assertThat(console.toString()).contains("Эпизодов без защиты: " + episodes);
    assertThat(sql(g.store(), "SELECT count(*) FROM flapping")).isEqualTo("0");
  }

  static String scrape(Guard g) throws Exception {
    return scrape(g.metrics());
  }

  static String scrape(StopguardMetrics metrics) throws Exception {
    var out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
    return out.toString();
  }
}
