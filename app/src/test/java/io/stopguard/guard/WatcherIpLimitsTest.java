package io.stopguard.guard;

import io.stopguard.status.StatusServer;
import io.stopguard.status.Health;
import io.stopguard.status.Health;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.alert.Alerting;
import io.stopguard.bitget.IpBudget;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.cli.Promtool;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * More accounts than the IP's WebSocket budget: the first ones get a connection, the rest are
 * polled, and a stop removed on a polled account is still restored. The simulator enforces
 * Bitget's per-IP limits throughout (its defaults), so a guard that overran them would see 429s.
 */
class WatcherIpLimitsTest {
  @TempDir
  Path dir;
  SimServer sim;
  Watcher watcher;
  Store store;

  @AfterEach
  void stop() {
    if (watcher != null) watcher.close();
    if (store != null) store.close();
    if (sim != null) sim.close();
  }

  StopguardMetrics metrics;

  /** The simulator with {@code yaml}, keys for users 1..{@code keys}, and a started watcher on {@code budget}. */
  void start(String yaml, int keys, IpBudget budget, WatchSettings settings) {
    sim = SimServer.start(Scenario.parse(yaml), 0);
    store = Store.open(dir.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")));
    for (int i = 1; i <= keys; i++) addKey(i);
    StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 8, Policy.DEFAULT, budget);
    metrics = new StopguardMetrics();
    CheckService service = new CheckService(store, check, Policy.DEFAULT, Alerting.none(), metrics, null,
        new IncidentLog(dir.resolve("docs/incident_log.md")), Clock.systemUTC());
    watcher = Watcher.builder(store, check, service).metrics(metrics).settings(settings).webSocket(sim.webSocketUrl()).time(Timebase.system()).build();
    watcher.start();
  }

  void addKey(int i) {
    store.keys().put(Integer.toString(i), "bitget", "k" + i, "s" + i, "p" + i, false);
  }

  static WatchSettings settings(WatchSettings.Restore restore, long intervalMs, long keyRefreshMs, boolean webSocket) {
    return WatchSettings.DEFAULT.withRestore(restore).withGrace(Duration.ZERO).withInterval(Duration.ofMillis(intervalMs))
        .withKeyRefresh(Duration.ofMillis(keyRefreshMs)).withWebSocket(webSocket).withParallelism(8);
  }

  static String scenario(int accounts) {
    StringBuilder y = new StringBuilder("accounts:\n");
    for (int i = 1; i <= accounts; i++) {
      y.append("""
            - uid: "%d"
              apiKey: k%d
              secretKey: s%d
              passphrase: p%d
              positions:
                - {symbol: ETHUSDT, holdSide: long, total: "1.00", openPriceAvg: "3400.00", leverage: 5}
              planOrders:
                - {symbol: ETHUSDT, planType: pos_loss, holdSide: long, triggerPrice: "3200.00"}
          """.formatted(i, i, i, i));
    }
    return y.toString();
  }

  @Test
  void accountsBeyondTheWebSocketBudgetArePolledAndStillRestored() throws Exception {
    start(scenario(5), 5, IpBudget.of(40, 2, 300), settings(WatchSettings.Restore.ON, 700, 10_000, true)); // 2 sockets, 5 accounts

    await().atMost(Duration.ofSeconds(15)).until(() -> watcher.health().stream().allMatch(a -> a.lastReconcile() != null)
        && states().getOrDefault("live", 0L) == 2);
    assertThat(states()).containsEntry("live", 2L).containsEntry("polled", 3L);

    try (StatusServer status = new StatusServer(new InetSocketAddress("127.0.0.1", 0), metrics.registry(),
        () -> Health.of(watcher.summary(), watcher.health()))) {
      JsonNode health = new ObjectMapper()
          .readTree(get(status.port(), "/health"));
      assertThat(health.path("status").asText()).isEqualTo("ok");
      assertThat(health.path("accounts").isArray()).isTrue();
      assertThat(health.path("webSocketsLive").asInt()).isEqualTo(2);
      assertThat(health.path("webSocketsMax").asInt()).isEqualTo(2);
      assertThat(health.path("polled").asInt()).isEqualTo(3);
      assertThat(health.path("oldestReconcileSeconds").isNumber()).isTrue();
      assertThat(health.path("fullReconcileSecondsAtIpLimit").asLong()).isEqualTo(0); // 5 accounts × 2 / 32 per s
      await().atMost(Duration.ofSeconds(10)).until(() -> get(status.port(), "/metrics").contains("stopguard_watch_websockets_live 2.0"));
      String exposition = get(status.port(), "/metrics");
      assertThat(exposition).contains("bitget_stoploss_missing 0.0")
          .contains("stopguard_watch_accounts{mode=\"websocket\"} 2.0").contains("stopguard_watch_accounts{mode=\"polled\"} 3.0");
      Files.writeString(dir.resolve("watch.prom"), exposition);
    }

    String polledUser = watcher.health().stream().filter(a -> "polled".equals(a.webSocket()))
        .map(a -> (String) a.userId()).findFirst().orElseThrow();
    sim.exchange().cancelStopsFromOutside(polledUser, "ETHUSDT", "long");
    await().atMost(Duration.ofSeconds(10)).until(() -> sim.exchange().countPlans(polledUser, "ETHUSDT", "long", "pos_loss") == 1);
    assertThat(watcher.health()).allSatisfy(a -> assertThat(a.lastError()).isNull());
    // Last, so that a machine without promtool skips only this check (said on the console), not the restore above.
    Promtool.checkMetrics(dir.resolve("watch.prom"));
  }

  @Test
  void aBudgetTooSmallForTheIntervalStillReachesEveryAccountInTurn() {
    // 6 requests/s, 4 of them for periodic work: 2 accounts a second against a 300 ms interval.
    start(scenario(8), 8, IpBudget.of(6, 0, 300), settings(WatchSettings.Restore.OFF, 300, 10_000, false));
    await().atMost(Duration.ofSeconds(15)).until(() -> watcher.health().stream().allMatch(a -> a.lastReconcile() != null));
    assertThat(sim.rateLimited()).isZero();
    assertThat(sim.restRequests()).as("about one look per account, not the first ones again and again")
        .isLessThanOrEqualTo(2 * 8 + 8);
  }

  @Test
  void aWebSocketFreedByADeactivatedKeyGoesToAPolledAccount() {
    start(scenario(3), 3, IpBudget.of(40, 2, 300), settings(WatchSettings.Restore.OFF, 1000, 300, true));
    await().atMost(Duration.ofSeconds(10)).until(() -> states().getOrDefault("live", 0L) == 2 && states().get("polled") == 1);
    String withSocket = watcher.health().stream().filter(a -> "live".equals(a.webSocket()))
        .map(a -> (String) a.userId()).findFirst().orElseThrow();
    store.keys().setActive(withSocket, "bitget", null, false);
    await().atMost(Duration.ofSeconds(10)).until(() -> watcher.accountCount() == 2 && states().getOrDefault("live", 0L) == 2);
    assertThat(states()).doesNotContainKey("polled");
  }

  @Test
  void aSocketOnAnAccountWithoutPositionsMovesToOneThatHasSome() {
    String yaml = """
        accounts:
          - {uid: "1", apiKey: k1, secretKey: s1, passphrase: p1}
          - uid: "2"
            apiKey: k2
            secretKey: s2
            passphrase: p2
            positions:
              - {symbol: ETHUSDT, holdSide: long, total: "1.00", openPriceAvg: "3400.00", leverage: 5}
            planOrders:
              - {symbol: ETHUSDT, planType: pos_loss, holdSide: long, triggerPrice: "3200.00"}
        """;
    start(yaml, 1, IpBudget.of(40, 1, 300), settings(WatchSettings.Restore.OFF, 1000, 300, true)); // one socket
    // user 1 (no positions) is the only account at first, so it takes the one socket
    await().atMost(Duration.ofSeconds(10)).until(() -> "live".equals(webSocketOf("1")) && reconciled("1"));
    addKey(2);
    await().atMost(Duration.ofSeconds(15)).until(() -> "live".equals(webSocketOf("2")));
    assertThat(webSocketOf("1")).isEqualTo("polled");
  }

  private String webSocketOf(String user) {
    return watcher.health().stream().filter(a -> user.equals(a.userId())).map(a -> (String) a.webSocket())
        .findFirst().orElse(null);
  }

  private boolean reconciled(String user) {
    return watcher.health().stream().anyMatch(a -> user.equals(a.userId()) && a.lastReconcile() != null);
  }

  @Test
  void shardsSplitTheAccountsWithoutOverlap() {
    List<String> users = IntStream.range(0, 1000).mapToObj(Integer::toString).toList();
    Ownership[] shards = new Ownership[3]; // what the watcher of --shard i/3 asks (Watcher's default ownership)
    for (int i = 0; i < 3; i++) shards[i] = Ownership.shard(i, 3);
    for (String u : users) {
      assertThat(Arrays.stream(shards).filter(s -> s.owns(u)).count()).as(u).isEqualTo(1);
    }
    assertThat(users.stream().filter(shards[0]::owns).count()).isBetween(250L, 420L);
  }

  private static String get(int port, String path) throws Exception {
    var http = HttpClient.newHttpClient();
    var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private Map<Object, Long> states() {
    return watcher.health().stream().collect(Collectors.groupingBy(a -> a.webSocket(), Collectors.counting()));
  }
}
