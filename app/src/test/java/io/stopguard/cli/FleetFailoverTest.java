package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.PgServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet against real things: a real PostgreSQL server, three real `watch` processes leaving
 * from three loopback addresses, the simulator. SIGKILL one, cancel the stops of the accounts it
 * held: the others take them over and restore every stop within lease TTL + grace + 10 s, and no
 * position ever gets a second pos_loss.
 */
class FleetFailoverTest {
  static final int ACCOUNTS = 30;
  static final int TTL = 6;

  @TempDir
  Path dir;

  static String scenario() {
    StringBuilder sb = new StringBuilder("accounts:\n");
    for (int i = 0; i < ACCOUNTS; i++) {
      sb.append("  - {uid: \"").append(800000 + i).append("\", apiKey: bg_f").append(i).append(", secretKey: s").append(i)
          .append(", passphrase: p").append(i).append(",\n     positions: [{symbol: BTCUSDT, holdSide: long, total: \"0.01\",")
          .append(" openPriceAvg: \"94000\", leverage: 10}],\n")
          .append("     planOrders: [{symbol: BTCUSDT, planType: pos_loss, holdSide: long, triggerPrice: \"90000\"}]}\n");
    }
    return sb.toString();
  }

  Process instance(int n, SimServer sim, String pg, String masterKey) throws Exception {
    Path home = Files.createDirectories(dir.resolve("host" + n));
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "watch", "--restore", "on", "--grace", "0.2",
        "--lease-ttl", Integer.toString(TTL), "--listen", "127.0.0.1:0", "--source-ip", "127.0.0." + n));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(home.resolve("watch.log").toFile());
    pb.environment().put("STOPGUARD_HOME", home.toString());
    pb.environment().put("STOPGUARD_DB", pg);
    pb.environment().put("STOPGUARD_MASTER_KEY", masterKey);
    pb.environment().put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    pb.environment().remove("TELEGRAM_BOT_TOKEN");
    return pb.start();
  }

  /** owner → accounts held with a live lease, as the database sees it. */
  static Map<String, List<String>> owners(String pg) throws Exception {
    Map<String, List<String>> out = new HashMap<>();
    String rows = Psql.query(pg, "SELECT owner, user_id FROM account_leases WHERE owner IS NOT NULL AND expires_at > now() ORDER BY user_id;");
    for (String line : rows.lines().toList()) {
      String[] f = line.split("\\|");
      out.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
    }
    return out;
  }

  @Test
  void aKilledInstancesAccountsAreTakenOverAndRestoredWithoutASecondStop() throws Exception {
    String pg = PgServer.newDatabase();
    String masterKey = Base64.getEncoder().encodeToString(new java.security.SecureRandom().generateSeed(32));
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario())), 0)) {
      StringBuilder csv = new StringBuilder("user_id,exchange,api_key,secret,passphrase\n");
      for (int i = 0; i < ACCOUNTS; i++) csv.append(800000 + i).append(",bitget,bg_f").append(i).append(",s").append(i).append(",p").append(i).append('\n');
      Map<String, String> env = Map.of("STOPGUARD_HOME", Files.createDirectories(dir.resolve("admin")).toString(), "STOPGUARD_DB", pg,
          "STOPGUARD_MASTER_KEY", masterKey, "STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
      assertThat(CliRun.run(env, csv.toString(), "keys", "import", "--format", "csv").exit()).isZero();

      List<Process> fleet = new ArrayList<>();
      try {
        for (int n = 1; n <= 3; n++) fleet.add(instance(n, sim, pg, masterKey));
        // Balanced: every account owned once, three live owners, none above 1.2 x its fair share.
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(300)).until(() -> {
          Map<String, List<String>> o = owners(pg);
          return o.size() == 3 && o.values().stream().mapToInt(List::size).sum() == ACCOUNTS
              && o.values().stream().allMatch(l -> l.size() <= 12);
        });
        CliRun shown = CliRun.run(env, "", "fleet");
        assertThat(shown.exit()).as(shown.out() + shown.err()).isZero();
        assertThat(shown.out()).contains("3 live instance(s), 30 account(s), 0 unowned").contains("127.0.0.2");

        Process victim = fleet.get(0);
        String victimId = owners(pg).keySet().stream().filter(id -> id.contains("-" + victim.pid() + "-")).findFirst().orElseThrow();
        List<String> orphaned = owners(pg).get(victimId);
        assertThat(orphaned).isNotEmpty();
        Thread.sleep(1500); // the victim's watcher has looked at its accounts by now
        victim.destroyForcibly(); // SIGKILL: no goodbye, its leases must expire
        assertThat(victim.waitFor(10, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();
        for (String uid : orphaned) sim.exchange().cancelStopsFromOutside(uid, "BTCUSDT", "long");

        await().atMost(Duration.ofSeconds(TTL + 10)).pollInterval(Duration.ofMillis(200)).until(() ->
            orphaned.stream().allMatch(uid -> sim.exchange().countPlans(uid, "BTCUSDT", "long", "pos_loss") == 1));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("fleet failover: " + orphaned.size() + " account(s) of a SIGKILLed instance restored in " + tookMs
            + " ms (bound " + (TTL * 1000 + 200 + 10_000) + " ms)");
        assertThat(tookMs).isLessThanOrEqualTo(TTL * 1000L + 200 + 10_000);

        Thread.sleep(2000); // anything late would show now
        for (int i = 0; i < ACCOUNTS; i++) {
          assertThat(sim.exchange().countPlans(Integer.toString(800000 + i), "BTCUSDT", "long", "pos_loss"))
              .as("pos_loss of " + (800000 + i)).isEqualTo(1);
        }
        Map<String, List<String>> after = owners(pg);
        assertThat(after).doesNotContainKey(victimId).hasSize(2);
        assertThat(after.values().stream().mapToInt(List::size).sum()).isEqualTo(ACCOUNTS);
        assertThat(Psql.query(pg, "SELECT count(*) FROM incidents WHERE state = 'restored';")).isEqualTo(Integer.toString(orphaned.size()));
        assertThat(Psql.query(pg, FLAG)).isEqualTo("0");
      } finally {
        for (Process p : fleet) p.destroy();
        for (Process p : fleet) p.waitFor(20, TimeUnit.SECONDS);
      }
      // SIGTERM: instances leave the fleet and give their leases back at once
      assertThat(Psql.query(pg, "SELECT count(*) FROM account_leases WHERE owner IS NOT NULL;")).isEqualTo("0");
      for (int n = 2; n <= 3; n++) {
        assertThat(Files.readString(dir.resolve("host" + n).resolve("watch.log"))).contains("fleet instance")
            .contains("source IP 127.0.0." + n).doesNotContain("Exception");
      }
    }
  }

  static final String FLAG = "SELECT value FROM risk_flags WHERE flag = 'bitget_stoploss_missing';";
}
