package io.stopguard.cli;

import io.stopguard.sim.FakeTelegram;
import io.stopguard.sim.SimHistory;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.PgServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet against real things: a real PostgreSQL server, three real `watch` processes leaving
 * from three loopback addresses, the simulator. SIGKILL one, cancel the stops of the accounts it
 * held: the others take them over and restore every stop within lease TTL + grace + 10 s. SIGSTOP
 * one until the others hold its accounts, SIGCONT it as they go bare: it sends nothing (the
 * simulator's request log, by source address). Stop PostgreSQL under the fleet: every instance
 * fences itself, then resumes when it is back. No position ever gets a second pos_loss.
 */
@Execution(ExecutionMode.CONCURRENT) // beside the in-process tests; one such class at a time
@ResourceLock(ProcessTests.LOCK)
class FleetFailoverTest {
  static final int ACCOUNTS = 30;
  static final int TTL = 6;

  @TempDir
  Path dir;

  static String scenario() {
    return scenario(800000, "bg_f", ACCOUNTS);
  }

  /** {@code count} accounts from uid {@code firstUid}, keys {@code keyPrefix}i, each a BTCUSDT long with a pos_loss. */
  static String scenario(int firstUid, String keyPrefix, int count) {
    StringBuilder sb = new StringBuilder("accounts:\n");
    for (int i = 0; i < count; i++) {
      sb.append("  - {uid: \"").append(firstUid + i).append("\", apiKey: ").append(keyPrefix).append(i).append(", secretKey: s").append(i)
          .append(", passphrase: p").append(i).append(",\n     positions: [{symbol: BTCUSDT, holdSide: long, total: \"0.01\",")
          .append(" openPriceAvg: \"94000\", leverage: 10}],\n")
          .append("     planOrders: [{symbol: BTCUSDT, planType: pos_loss, holdSide: long, triggerPrice: \"90000\"}]}\n");
    }
    return sb.toString();
  }

  /** Set by a test to have every instance alert through it. */
  FakeTelegram telegram;

  Process instance(int n, SimServer sim, String pg, String masterKey) throws Exception {
    Path home = Files.createDirectories(dir.resolve("host" + n));
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "watch", "--restore", "on", "--grace", "0.2",
        "--lease-ttl", Integer.toString(TTL), "--listen", "127.0.0.1:0", "--source-ip", "127.0.0." + n,
        // Accounts taken over wait for a WebSocket connect token (Bitget's connect budget); until then
        // they are polled, so the reconcile interval bounds how soon a later cancel is seen.
        "--interval", "2"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(home.resolve("watch.log").toFile());
    pb.environment().put("STOPGUARD_HOME", home.toString());
    pb.environment().put("STOPGUARD_DB", pg);
    pb.environment().put("STOPGUARD_MASTER_KEY", masterKey);
    pb.environment().put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    pb.environment().remove("TELEGRAM_BOT_TOKEN");
    if (telegram != null) {
      pb.environment().put("TELEGRAM_BOT_TOKEN", "123456:fleet-test-token");
      pb.environment().put("TELEGRAM_CHAT_ID", "-100777");
      pb.environment().put("TELEGRAM_API_URL", telegram.url());
    }
    return pb.start();
  }

  /** owner → accounts held with a live lease, as the database sees it. */
  static Map<String, List<String>> owners(String pg) throws Exception {
    Map<String, List<String>> out = new HashMap<>();
    String rows = Psql.query(pg, "SELECT owner, user_id FROM lease_status WHERE owner IS NOT NULL AND expires_at > now() ORDER BY user_id;");
    for (String line : rows.lines().toList()) {
      String[] f = line.split("\\|");
      out.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
    }
    return out;
  }

  /** Imports the scenario's keys into {@code pg}; returns the admin environment (for `fleet`, etc.). */
  Map<String, String> importKeys(SimServer sim, String pg, String masterKey) throws Exception {
    return importKeys(dir, sim, pg, masterKey);
  }

  static Map<String, String> importKeys(Path dir, SimServer sim, String pg, String masterKey) throws Exception {
    StringBuilder csv = new StringBuilder("user_id,exchange,api_key,secret,passphrase\n");
    for (int i = 0; i < ACCOUNTS; i++) csv.append(800000 + i).append(",bitget,bg_f").append(i).append(",s").append(i).append(",p").append(i).append('\n');
    Map<String, String> env = Map.of("STOPGUARD_HOME", Files.createDirectories(dir.resolve("admin")).toString(), "STOPGUARD_DB", pg,
        "STOPGUARD_MASTER_KEY", masterKey, "STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    assertThat(CliRun.run(env, csv.toString(), "keys", "import", "--format", "csv").exit()).isZero();
    return env;
  }

  static void awaitBalanced(String pg, int instances) {
    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(300)).until(() -> {
      Map<String, List<String>> o = owners(pg);
      return o.size() == instances && o.values().stream().mapToInt(List::size).sum() == ACCOUNTS
          && o.values().stream().allMatch(l -> l.size() <= Math.ceil(1.2 * ACCOUNTS / instances));
    });
  }

  void awaitAllProtected(SimServer sim, Duration within) throws Exception {
    try {
      await().atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> {
        for (int i = 0; i < ACCOUNTS; i++) {
          if (sim.exchange().countPlans(Integer.toString(800000 + i), "BTCUSDT", "long", "pos_loss") != 1) return false;
        }
        return true;
      });
    } catch (ConditionTimeoutException e) {
      StringBuilder why = new StringBuilder("not all protected within " + within + "; bare:");
      for (int i = 0; i < ACCOUNTS; i++) {
        String uid = Integer.toString(800000 + i);
        if (sim.exchange().countPlans(uid, "BTCUSDT", "long", "pos_loss") != 1) why.append(' ').append(uid);
      }
      for (int n = 1; n <= 3; n++) {
        Path log = dir.resolve("host" + n).resolve("watch.log");
        if (Files.exists(log)) {
          List<String> lines = Files.readAllLines(log);
          why.append("\n--- host").append(n).append(" (last 40 lines) ---\n")
              .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
        }
      }
      throw new AssertionError(why.toString(), e);
    }
  }

  /**
   * Every account has been looked at by the instance holding its lease: its rows are in
   * position_status under that owner (each instance publishes what its looks saw).
   */
  static void awaitEveryAccountLookedAtByItsOwner(String pg) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> Psql.query(pg,
        "SELECT count(DISTINCT l.user_id) FROM lease_status l JOIN position_status s ON s.user_id = l.user_id"
            + " AND s.owner = l.owner WHERE l.expires_at > now();").equals(Integer.toString(ACCOUNTS)));
  }

  /** Holds for {@code window}, checked all along (nothing late shows up): a quiet window, not a sleep. */
  static void stillNoSecondStopAfter(SimServer sim, Duration window) {
    await().during(window).atMost(window.plusSeconds(2)).pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertNoSecondStop(sim));
  }

  static void assertNoSecondStop(SimServer sim) {
    for (int i = 0; i < ACCOUNTS; i++) {
      assertThat(sim.exchange().countPlans(Integer.toString(800000 + i), "BTCUSDT", "long", "pos_loss"))
          .as("pos_loss of " + (800000 + i)).isEqualTo(1);
    }
  }

  static void signal(Process p, String sig) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor()).isZero();
  }

  @Test
  void aPausedInstanceThatWakesUpSendsNothingForTheAccountsItLost() throws Exception {
    String pg = PgServer.newDatabase();
    String masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario())), 0)) {
      sim.exchange().history().enable();
      importKeys(sim, pg, masterKey);
      List<Process> fleet = new ArrayList<>();
      try {
        for (int n = 1; n <= 3; n++) fleet.add(instance(n, sim, pg, masterKey));
        awaitBalanced(pg, 3);
        Process sleeper = fleet.get(0); // leaves from 127.0.0.1
        String sleeperId = owners(pg).keySet().stream().filter(id -> id.contains("-" + sleeper.pid() + "-")).findFirst().orElseThrow();
        List<String> lost = owners(pg).get(sleeperId);
        awaitEveryAccountLookedAtByItsOwner(pg);
        signal(sleeper, "STOP");
        // the others take its accounts once its leases expire
        await().atMost(Duration.ofSeconds(TTL + 10)).pollInterval(Duration.ofMillis(300)).until(() -> {
          Map<String, List<String>> o = owners(pg);
          return !o.containsKey(sleeperId) && o.values().stream().mapToInt(List::size).sum() == ACCOUNTS;
        });
        // its old accounts go bare just as it wakes up: it still remembers them, the lease says otherwise
        for (String uid : lost) sim.exchange().cancelStopsFromOutside(uid, "BTCUSDT", "long");
        long woke = sim.exchange().now();
        signal(sleeper, "CONT");
        awaitAllProtected(sim, Duration.ofSeconds(15));
        stillNoSecondStopAfter(sim, Duration.ofSeconds(3));
        // What it sent after waking may only concern accounts it claimed again after waking (a new
        // lease, a new epoch: the others gave some back to rebalance), never one it merely remembered.
        String sleeperLog = Files.readString(dir.resolve("host1").resolve("watch.log"));
        String afterWake = sleeperLog.substring(Math.max(0, sleeperLog.indexOf("stopped guarding")));
        assertThat(sleeperLog).as("the pause itself is told").contains("this process was paused or stalled");
        Set<String> claimedAgain = new HashSet<>();
        Matcher m = Pattern.compile("fleet: claimed \\d+ account\\(s\\): ([0-9 ]+)").matcher(afterWake);
        while (m.find()) claimedAgain.addAll(List.of(m.group(1).trim().split(" ")));
        List<String> stale = sim.exchange().history().events().stream()
            .filter(e -> e.kind().equals("request") && e.t() >= woke && e.detail() != null
                && e.detail().contains("-tpsl-order") && e.detail().endsWith("from 127.0.0.1")
                && !claimedAgain.contains(e.uid()))
            .map(SimEventText::of).toList();
        assertThat(stale).as("stop orders the woken instance sent for accounts it no longer held").isEmpty();
        // (Whether it tried at all is a race between its fence timer and its overdue evaluations; when
        // it tries, its log says "not sent: this instance no longer holds the account's lease". The
        // epoch check itself is pinned down by LeasesTest.) Either its fence timer or its first round
        // after waking notices first; both say so loudly.
        assertThat(sleeperLog).containsAnyOf("stopped guarding my", "stopped guarding them");
      } finally {
        for (Process p : fleet) {
          signal(p, "CONT");
          p.destroy();
        }
        for (Process p : fleet) p.waitFor(20, TimeUnit.SECONDS);
      }
    }
  }

  /** An event as one line, for assertion messages. */
  static final class SimEventText {
    static String of(SimHistory.Event e) {
      return e.t() + " " + e.kind() + " " + e.uid() + " " + e.detail();
    }
  }

  @Test
  void postgresRestartedUnderARunningFleetFencesThenResumesWithoutASecondStop() throws Exception {
    Path data = dir.resolve("pgdata");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    EmbeddedPostgres.Builder builder = EmbeddedPostgres
        .builder().setPort(port).setDataDirectory(data).setCleanDataDirectory(false);
    EmbeddedPostgres server = builder.start();
    String pg = "postgresql://postgres@127.0.0.1:" + port + "/postgres";
    String masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
    List<Process> fleet = new ArrayList<>();
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario())), 0)) {
      importKeys(sim, pg, masterKey);
      for (int n = 1; n <= 3; n++) fleet.add(instance(n, sim, pg, masterKey));
      awaitBalanced(pg, 3);
      awaitEveryAccountLookedAtByItsOwner(pg);

      server.close(); // PostgreSQL goes away under the fleet
      await().atMost(Duration.ofSeconds(TTL + 10)).pollInterval(Duration.ofMillis(300)).until(() -> {
        for (int n = 1; n <= 3; n++) {
          if (!Files.readString(dir.resolve("host" + n).resolve("watch.log")).contains("stopped guarding")) return false;
        }
        return true;
      });
      // A fenced instance stops every side effect, its private WebSockets too, although it cannot
      // read the store to learn which accounts it dropped.
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> sim.webSockets(null) == 0);
      sim.exchange().cancelStopsFromOutside("800007", "BTCUSDT", "long"); // bare while every instance is fenced

      server = builder.start(); // back, same data and port
      awaitBalanced(pg, 3);
      awaitAllProtected(sim, Duration.ofSeconds(TTL + 15));
      stillNoSecondStopAfter(sim, Duration.ofSeconds(2));
      for (int n = 1; n <= 3; n++) {
        assertThat(Files.readString(dir.resolve("host" + n).resolve("watch.log"))).contains("the database answers again");
      }
    } finally {
      for (Process p : fleet) p.destroy();
      for (Process p : fleet) p.waitFor(20, TimeUnit.SECONDS);
      server.close();
    }
  }

  @Test
  void aKilledInstancesAccountsAreTakenOverAndRestoredWithoutASecondStopAndAlertedOnce() throws Exception {
    telegram = new FakeTelegram();
    String pg = PgServer.newDatabase();
    String masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario())), 0)) {
      Map<String, String> env = importKeys(sim, pg, masterKey);
      List<Process> fleet = new ArrayList<>();
      try {
        for (int n = 1; n <= 3; n++) fleet.add(instance(n, sim, pg, masterKey));
        // Balanced: every account owned once, three live owners, none above 1.2 x its fair share.
        awaitBalanced(pg, 3);
        CliRun shown = CliRun.run(env, "", "fleet");
        assertThat(shown.exit()).as(shown.out() + shown.err()).isZero();
        assertThat(shown.out()).contains("3 live instance(s), 30 account(s), 0 unowned").contains("127.0.0.2")
            .contains("STARTED").contains("REQUESTS/MIN").contains(" of 5700");

        Process victim = fleet.get(0);
        String victimId = owners(pg).keySet().stream().filter(id -> id.contains("-" + victim.pid() + "-")).findFirst().orElseThrow();
        List<String> orphaned = owners(pg).get(victimId);
        assertThat(orphaned).isNotEmpty();
        awaitEveryAccountLookedAtByItsOwner(pg); // the victim's watcher has looked at its accounts
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

        stillNoSecondStopAfter(sim, Duration.ofSeconds(2)); // anything late would show now
        // The new owner never saw those stops, yet it put back the traders' own 90000 (the dead one
        // recorded each as the position's intended stop), not the policy's 10 % from entry.
        assertThat(Psql.query(pg, "SELECT DISTINCT trigger_price FROM audit_log WHERE action = 'place' AND result = 'ok';").strip())
            .isIn("90000", "90000.0");
        // The death is counted where a person sees it: every survivor's metric (a crash loop's
        // deaths add up: StopguardFleetInstanceCrashLooping), and `stopguard fleet`.
        Matcher listen = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/metrics")
            .matcher(Files.readString(dir.resolve("host2").resolve("watch.log")));
        assertThat(listen.find()).isTrue();
        URI metrics = URI.create("http://127.0.0.1:" + listen.group(1) + "/metrics");
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).until(() -> HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body()
            .matches("(?s).*\nstopguard_fleet_instances_died_10m 1(\\.0)?\n.*"));
        assertThat(CliRun.run(env, "", "fleet", "--lease-ttl", Integer.toString(TTL)).out()).contains("1 instance(s) died without a clean stop in the last 10 min");
        Map<String, List<String>> after = owners(pg);
        assertThat(after).doesNotContainKey(victimId).hasSize(2);
        assertThat(after.values().stream().mapToInt(List::size).sum()).isEqualTo(ACCOUNTS);
        assertThat(Psql.query(pg, "SELECT count(*) FROM incidents WHERE state = 'restored';")).isEqualTo(Integer.toString(orphaned.size()));
        assertThat(Psql.query(pg, FLAG)).isEqualTo("0");
        // Alerts go out once fleet-wide: one instance at a time delivers the shared outbox.
        await().atMost(Duration.ofSeconds(15)).until(() -> telegram.received().stream().filter(r -> r.text().contains("✅")).count()
            >= orphaned.size());
        // ... and no instance sends any of them again: exactly two each, all along a quiet window
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
          for (String uid : orphaned) {
            List<String> about = telegram.received().stream().map(FakeTelegram.Received::text)
                .filter(t -> t.contains(uid)).toList();
            assertThat(about).as("alerts about " + uid).hasSize(2);
            assertThat(about.get(0)).contains("🚨");
            assertThat(about.get(1)).contains("✅");
          }
        });
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
    } finally {
      telegram.close();
      telegram = null;
    }
  }

  @Test
  void aRollingRestartLeavesNoAccountUnownedLongerThanARound() throws Exception {
    String pg = PgServer.newDatabase();
    String masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario())), 0)) {
      importKeys(sim, pg, masterKey);
      List<Process> fleet = new ArrayList<>();
      for (int n = 1; n <= 3; n++) fleet.add(instance(n, sim, pg, masterKey));
      awaitBalanced(pg, 3);
      // Watch ownership from outside while each instance is stopped (SIGTERM) and started again.
      Map<String, Long> unownedSince = new ConcurrentHashMap<>();
      AtomicLong worstMs = new AtomicLong();
      AtomicBoolean watching = new AtomicBoolean(true);
      Thread observer = new Thread(() -> {
        while (watching.get()) {
          try {
            Set<String> owned = new HashSet<>();
            owners(pg).values().forEach(owned::addAll);
            long now = System.nanoTime();
            for (int i = 0; i < ACCOUNTS; i++) {
              String uid = Integer.toString(800000 + i);
              if (owned.contains(uid)) {
                Long since = unownedSince.remove(uid);
                if (since != null) worstMs.accumulateAndGet((now - since) / 1_000_000, Math::max);
              } else {
                unownedSince.putIfAbsent(uid, now);
              }
            }
            Thread.sleep(100);
          } catch (Exception e) {
            return;
          }
        }
      });
      observer.start();
      try {
        for (int n = 1; n <= 3; n++) {
          Process p = fleet.get(n - 1);
          p.destroy();
          assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
          fleet.set(n - 1, instance(n, sim, pg, masterKey));
          awaitBalanced(pg, 3);
        }
      } finally {
        watching.set(false);
        observer.join(5000);
        for (Process p : fleet) p.destroy();
        for (Process p : fleet) p.waitFor(20, TimeUnit.SECONDS);
      }
      long now = System.nanoTime();
      unownedSince.values().forEach(since -> worstMs.accumulateAndGet((now - since) / 1_000_000, Math::max));
      System.out.println("fleet rolling restart: longest unowned stretch of any account " + worstMs.get() + " ms (TTL "
          + TTL + " s)");
      // A clean stop gives leases back at once; the others claim them on their next round (TTL/5).
      assertThat(worstMs.get()).isLessThan(TTL * 1000L);
      assertNoSecondStop(sim);
    }
  }

  static final String FLAG = "SELECT value FROM risk_flags WHERE flag = 'bitget_stoploss_missing';";
}
