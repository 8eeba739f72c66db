package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.PgServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys known up front: the simulator's keys carry permissions and bound addresses as Bitget's do
 * (account/info, 40014, 40018). Importing refuses a key that cannot restore a stop or can withdraw,
 * stores a read-only one on request (then "watched, cannot restore"), and a fleet places a bound
 * key's account only on the instance whose address it allows.
 */
class KeyPermissionsTest {
  @TempDir
  Path dir;

  static final String SCENARIO = """
      accounts:
        - {uid: "700001", apiKey: bg_ro, secretKey: s1, passphrase: p1, keyPermissions: [read],
           positions: [{symbol: BTCUSDT, holdSide: long, total: "0.01", openPriceAvg: "94000", leverage: 10}]}
        - {uid: "700002", apiKey: bg_wd, secretKey: s2, passphrase: p2, keyPermissions: [read, trade, withdraw]}
        - {uid: "700003", apiKey: bg_b2, secretKey: s3, passphrase: p3, keyIps: ["127.0.0.2"],
           positions: [{symbol: BTCUSDT, holdSide: long, total: "0.01", openPriceAvg: "94000", leverage: 10}],
           planOrders: [{symbol: BTCUSDT, planType: pos_loss, holdSide: long, triggerPrice: "90000"}]}
        - {uid: "700004", apiKey: bg_ok, secretKey: s4, passphrase: p4,
           positions: [{symbol: BTCUSDT, holdSide: long, total: "0.01", openPriceAvg: "94000", leverage: 10}],
           planOrders: [{symbol: BTCUSDT, planType: pos_loss, holdSide: long, triggerPrice: "90000"}]}
      """;

  static final String CSV = "user_id,exchange,api_key,secret,passphrase\n700001,bitget,bg_ro,s1,p1\n700002,bitget,bg_wd,s2,p2\n"
      + "700003,bitget,bg_b2,s3,p3\n700004,bitget,bg_ok,s4,p4\n";

  Map<String, String> env(SimServer sim) {
    Map<String, String> env = new HashMap<>();
    env.put("STOPGUARD_HOME", dir.resolve("home").toString());
    env.put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    return env;
  }

  @Test
  void importRefusesKeysThatCannotRestoreOrCanWithdrawAndStoresTheOthersWithWhatBitgetSaid() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0)) {
      Map<String, String> env = env(sim);
      CliRun r = CliRun.run(env, CSV, "keys", "import", "--format", "csv", "--verify");
      assertThat(r.exit()).as(r.err()).isEqualTo(3);
      assertThat(r.err().lines().filter(l -> l.contains("700001"))).singleElement().asString()
          .contains("this key cannot restore a stop: enable futures trading");
      assertThat(r.err().lines().filter(l -> l.contains("700002"))).singleElement().asString().contains("can withdraw funds");
      assertThat(r.err()).contains("700003").contains("bound to other addresses than this host's").doesNotContain("s3");
      assertThat(r.out()).contains("added 2").contains("refused 2");
      CliRun list = CliRun.run(env, "", "keys", "list");
      assertThat(list.out()).contains("700004").contains("trade").contains("any address").doesNotContain("700001")
          .doesNotContain("700002");

      // a read-only key for checks only: stored on request, then watched but never restored
      CliRun ro = CliRun.run(env, "user_id,exchange,api_key,secret,passphrase\n700001,bitget,bg_ro,s1,p1\n", "keys", "import",
          "--format", "csv", "--verify", "--read-only-ok");
      assertThat(ro.exit()).as(ro.err()).isZero();
      assertThat(ro.err()).contains("read-only: watched, cannot restore");
      assertThat(CliRun.run(env, "", "keys", "list").out()).contains("cannot restore");
      CliRun wd = CliRun.run(env, "user_id,exchange,api_key,secret,passphrase\n700002,bitget,bg_wd,s2,p2\n", "keys", "import",
          "--format", "csv", "--verify", "--allow-withdraw");
      assertThat(wd.exit()).as(wd.err()).isZero();
      assertThat(CliRun.run(env, "", "keys", "list").out()).contains("RISK: can withdraw");

      // the watcher: 700001's bare position opens an incident but nothing is sent with its key
      Path log = dir.resolve("watch.log");
      String javaBin = ProcessHandle.current().info().command().orElse("java");
      ProcessBuilder pb = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
          Main.class.getName(), "watch", "--restore", "on", "--grace", "0.2", "--listen", "127.0.0.1:0", "--no-websocket")
          .redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(env);
      pb.environment().remove("TELEGRAM_BOT_TOKEN");
      Process watch = pb.start();
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("watched, cannot restore"));
        Thread.sleep(1500);
        assertThat(sim.exchange().countPlans("700001", "BTCUSDT", "long", "pos_loss")).isZero();
        Matcher port = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/metrics").matcher(Files.readString(log));
        assertThat(port.find()).isTrue();
        var http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port.group(1);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/account?user=700002")).build(),
            HttpResponse.BodyHandlers.ofString()).body()).contains("data-key-risk=\"withdraw\"");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
            HttpResponse.BodyHandlers.ofString()).body()).contains("\"canRestore\" : false")
            .contains("\"keyRisk\" : \"can withdraw funds\"");
        assertThat(sim.exchange().history().events().stream()
            .filter(e -> "700001".equals(e.uid()) && e.detail() != null && e.detail().contains("POST"))).isEmpty();
      } finally {
        watch.destroy();
        watch.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aKeyBoundToOneInstancesAddressIsGuardedThereAndUnownedWithTheReasonWhenThatInstanceDies() throws Exception {
    String pg = PgServer.newDatabase();
    String masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0)) {
      sim.exchange().history().enable();
      Map<String, String> admin = env(sim);
      admin.put("STOPGUARD_DB", pg);
      admin.put("STOPGUARD_MASTER_KEY", masterKey);
      CliRun imported = CliRun.run(admin, "user_id,exchange,api_key,secret,passphrase\n700003,bitget,bg_b2,s3,p3\n"
          + "700004,bitget,bg_ok,s4,p4\n", "keys", "import", "--format", "csv");
      assertThat(imported.exit()).as(imported.err()).isZero();
      List<Process> fleet = new ArrayList<>();
      try {
        for (int n = 1; n <= 2; n++) fleet.add(instance(n, sim, pg, masterKey));
        long pid2 = fleet.get(1).pid();
        // whoever claims it first, the bound account ends on the .2 instance and stays there
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(300))
            .until(() -> owner(pg, "700003").contains("-" + pid2 + "-"));
        for (int i = 0; i < 10; i++) {
          assertThat(owner(pg, "700003")).contains("-" + pid2 + "-");
          Thread.sleep(300);
        }
        assertThat(CliRun.run(admin, "", "fleet", "--lease-ttl", Integer.toString(FleetFailoverTest.TTL)).out())
            .as("each instance's version, for rolling upgrades").contains("VERSION").containsPattern(" 0\\.3\\.0 [0-9a-f]{10}");
        assertThat(CliRun.run(admin, "", "fleet", "--ips", "--lease-ttl", Integer.toString(FleetFailoverTest.TTL)).out())
            .contains("bind the keys to: 127.0.0.1, 127.0.0.2").contains("changing 127.0.0.2 would orphan 1 account(s)")
            .contains("700003");
        sim.exchange().cancelStopsFromOutside("700003", "BTCUSDT", "long");
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
            .until(() -> sim.exchange().countPlans("700003", "BTCUSDT", "long", "pos_loss") == 1);
        // the .2 instance is gone: nobody else may use the key, and everyone says so
        fleet.get(1).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(FleetFailoverTest.TTL + 10)).pollInterval(Duration.ofMillis(500))
            .until(() -> CliRun.run(admin, "", "fleet", "--lease-ttl", Integer.toString(FleetFailoverTest.TTL)).out()
                .contains("unowned 700003: no live instance may use this key (bound to 127.0.0.2)"));
        long pid1 = fleet.get(0).pid();
        await("the other account taken over by the .1 instance").atMost(Duration.ofSeconds(10))
            .until(() -> owner(pg, "700004").contains("-" + pid1 + "-"));
        assertThat(owner(pg, "700003")).as("the bound account is never taken by .1").isEmpty();
      } finally {
        for (Process p : fleet) {
          p.destroy();
          p.waitFor(15, TimeUnit.SECONDS);
        }
      }
    }
  }

  static String owner(String pg, String user) throws Exception {
    return FleetProcess.owner(pg, user);
  }

  Process instance(int n, SimServer sim, String pg, String masterKey) throws Exception {
    return FleetProcess.start(dir, "watch", n, System.getProperty("java.class.path"), FleetFailoverTest.TTL, sim, pg, masterKey);
  }
}
