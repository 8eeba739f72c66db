package io.stopguard.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.alert.Alerting;
import io.stopguard.bitget.IpBudget;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.guard.Timebase;
import io.stopguard.guard.WatchLock;
import io.stopguard.guard.WatchSettings;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimHistory;
import io.stopguard.sim.SimServer;
import io.stopguard.sim.TcpProxy;
import io.stopguard.guard.Watcher;
import io.stopguard.store.Database;
import io.stopguard.store.PgServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet instance's cold start spends its IP budget on looks first. It asks every new key what it
 * may do (account/info), but those questions once went out ahead of every look: 3,000 new keys held
 * the budget for 31 s, no look finished, and the instance gave all its accounts back as "Bitget does
 * not answer". Here: 12 new keys, 6 requests a second, PostgreSQL and the simulator real.
 */
class FleetColdStartTest {
  static final int ACCOUNTS = 12;

  @TempDir
  Path home;

  @Test
  void everyAccountIsLookedAtBeforeAnyKeyIsAskedWhatItMayDo() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario(ACCOUNTS))), 0)) {
      sim.exchange().history().enable();
      String url = PgServer.newDatabase();
      try (Running r = start(sim, url, url, ACCOUNTS, IpBudget.of(6, 90, 300))) {
        // 24 look requests and 12 questions at 6 a second: all of it within about 6 s
        await().atMost(Duration.ofSeconds(40)).until(() -> firstLooks(sim.exchange().history()).size() == ACCOUNTS
            && keyQuestions(sim.exchange().history()).size() == ACCOUNTS);
        long lastFirstLook = firstLooks(sim.exchange().history()).values().stream().mapToLong(Long::longValue).max().orElseThrow();
        long firstQuestion = keyQuestions(sim.exchange().history()).getFirst().t();
        assertThat(firstQuestion).as("no key asked before every account had its first look").isGreaterThanOrEqualTo(lastFirstLook);
      }
    }
  }

  /**
   * A store slower than Bitget (PostgreSQL 12 ms away each way, as a database in another zone is):
   * looks are recorded one at a time, so a sweep that does not wait for the recorder piles looks up
   * behind it until they give up ("the store is busy with another look", a WARN per account: 856 of
   * them when five fleet instances started together on two cores). The sweep waits instead.
   */
  @Test
  void aSweepNeverOutrunsTheStoreThatRecordsItsLooks() throws Exception {
    int accounts = 40;
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario(accounts))), 0);
        TcpProxy slow = new TcpProxy("127.0.0.1", PgServer.get().getPort())) {
      String url = PgServer.newDatabase();
      String viaProxy = url.replace(":" + PgServer.get().getPort() + "/", ":" + slow.port() + "/");
      slow.delay(12);
      try (Running r = start(sim, url, viaProxy, accounts, IpBudget.of(30, 90, 300))) {
        Set<String> unrecorded = new TreeSet<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
          List<Watcher.AccountSnapshot> snap = r.watch.watcher().snapshot();
          for (Watcher.AccountSnapshot a : snap) {
            if (a.lastError() != null && a.lastError().startsWith("cannot record this look")) unrecorded.add(a.userId() + ": " + a.lastError());
          }
          return snap.size() == accounts && snap.stream().allMatch(a -> a.lastOk() != null && a.lastError() == null);
        });
        assertThat(unrecorded).as("looks that could not be recorded").isEmpty();
      }
    }
  }

  record Running(WatchProcess watch, StopLossCheck check) implements AutoCloseable {
    @Override
    public void close() {
      watch.close();
      check.close();
    }
  }

  /** A fleet member's watch (no WebSocket) on {@code url}'s keys, its store reached through {@code storeUrl}. */
  Running start(SimServer sim, String url, String storeUrl, int accounts, IpBudget budget) {
    return start(home, sim, url, storeUrl, accounts, budget, WatchSettings.DEFAULT.withWebSocket(false));
  }

  /** The same with {@code settings}, in {@code home}. */
  static Running start(Path home, SimServer sim, String url, String storeUrl, int accounts, IpBudget budget, WatchSettings settings) {
    SecretBox box = SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key"));
    try (Store admin = Store.open(Database.parse(url, Map.of()), box)) {
      for (int i = 0; i < accounts; i++) admin.keys().put(Integer.toString(800 + i), "bitget", "bg_c" + i, "s" + i, "p" + i, false);
    }
    Store store = Store.open(Database.parse(storeUrl, Map.of()), box);
    StopguardMetrics metrics = new StopguardMetrics();
    Alerting alerting = Alerting.console(new PrintStream(new ByteArrayOutputStream(), true), "en");
    StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 16, Policy.DEFAULT, budget);
    CheckService service = new CheckService(store, check, Policy.DEFAULT, alerting, metrics, null,
        new IncidentLog(home.resolve("docs/incident_log.md")), Clock.systemUTC());
    WatchProcess.Config config = new WatchProcess.Config(home, store, WatchLock.tryAcquire(home, 0, 1), check, service,
        Policy.DEFAULT, alerting, metrics, settings, sim.webSocketUrl(),
        budget, new WatchProcess.Serving(new InetSocketAddress("127.0.0.1", 0), null, null, "en"),
        new WatchProcess.Fleet("member-1", "host", null, 15, (int) (budget.requestsPerSecond() * 60)), "member-1", 15, () -> { });
    return new Running(WatchProcess.start(config, Timebase.system()), check);
  }

  static String scenario(int accounts) {
    StringBuilder scenario = new StringBuilder("accounts:\n");
    for (int i = 0; i < accounts; i++) {
      scenario.append("  - {uid: \"").append(800 + i).append("\", apiKey: bg_c").append(i).append(", secretKey: s").append(i)
          .append(", passphrase: p").append(i).append(", positions: [{symbol: BTCUSDT, holdSide: long, total: \"0.01\",")
          .append(" openPriceAvg: \"94000\", leverage: 10}], planOrders: [{symbol: BTCUSDT, planType: pos_loss,")
          .append(" holdSide: long, triggerPrice: \"90000\"}]}\n");
    }
    return scenario.toString();
  }

  /** When each account's first look ended (its plan orders asked, after its positions). */
  static Map<String, Long> firstLooks(SimHistory h) {
    Map<String, Long> done = new HashMap<>();
    for (SimHistory.Event e : h.events()) {
      if (e.kind().equals("request") && e.uid() != null && e.detail().contains("/orders-plan-pending")) done.putIfAbsent(e.uid(), e.t());
    }
    return done;
  }

  static List<SimHistory.Event> keyQuestions(SimHistory h) {
    return h.events().stream().filter(e -> e.kind().equals("request") && e.detail().contains("/account/info")).toList();
  }
}
