package io.stopguard.cli;

import io.stopguard.sim.FakeTelegram;
import static io.stopguard.cli.FleetFailoverTest.ACCOUNTS;
import static io.stopguard.cli.FleetFailoverTest.TTL;
import static io.stopguard.cli.FleetFailoverTest.owners;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.sim.TcpProxy;
import io.stopguard.store.PgServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet under faults of its own dependencies, with real processes on a real PostgreSQL server
 * and a non-superuser role (connection limits apply to it): what the database holds and what an
 * instance guards must never part silently.
 */
@Execution(ExecutionMode.CONCURRENT) // beside the in-process tests; one such class at a time
@ResourceLock(ProcessTests.LOCK)
class FleetDependencyFaultsTest {
  @TempDir
  Path dir;

  final List<Process> fleet = new ArrayList<>();
  final List<Integer> ports = new ArrayList<>();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  /** Set by a test to have every instance alert through it. */
  FakeTelegram telegram;

  @AfterEach
  void stopFleet() throws Exception {
    for (Process p : fleet) {
      new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor();
      p.destroy();
    }
    for (Process p : fleet) p.waitFor(20, TimeUnit.SECONDS);
    if (telegram != null) telegram.close();
  }

  static String masterKey() {
    return Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
  }

  /** A database owned by a role of its own that is not a superuser; its libpq URL as that role. */
  static String databaseOfOwnRole(String role) throws Exception {
    String admin = PgServer.newDatabase();
    String db = admin.substring(admin.lastIndexOf('/') + 1);
    try (Connection c = PgServer.get().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE ROLE " + role + " LOGIN NOSUPERUSER");
      st.execute("ALTER DATABASE " + db + " OWNER TO " + role);
    }
    Psql.query(admin, "ALTER SCHEMA public OWNER TO " + role + ";");
    return admin.replace("postgresql://postgres@", "postgresql://" + role + "@");
  }

  static void asSuperuser(String sql) throws Exception {
    try (Connection c = PgServer.get().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  Process instance(int n, SimServer sim, String pg, String key) throws Exception {
    return instance(n, sim.baseUrl().toString(), pg, key);
  }

  /** Instance {@code n} leaving from 127.0.0.n, reaching Bitget (REST and WebSocket) at {@code bitget}. */
  Process instance(int n, String bitget, String pg, String key) throws Exception {
    return start("host" + n, "watch.log", "127.0.0." + n, bitget, pg, key);
  }

  /** An instance in home {@code homeName}, leaving from {@code sourceIp} (null: the host's default), logging to {@code logName}. */
  Process start(String homeName, String logName, String sourceIp, String bitget, String pg, String key) throws Exception {
    Path home = Files.createDirectories(dir.resolve(homeName));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "watch", "--restore", "on", "--grace", "0.2", "--lease-ttl", Integer.toString(TTL), "--listen",
        "127.0.0.1:" + port, "--interval", "2"));
    if (sourceIp != null) cmd.addAll(List.of("--source-ip", sourceIp));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(home.resolve(logName).toFile());
    pb.environment().put("STOPGUARD_HOME", home.toString());
    pb.environment().put("STOPGUARD_DB", pg);
    pb.environment().put("STOPGUARD_MASTER_KEY", key);
    pb.environment().put("STOPGUARD_BITGET_BASE_URL", bitget);
    pb.environment().remove("TELEGRAM_BOT_TOKEN");
    if (telegram != null) {
      pb.environment().put("TELEGRAM_BOT_TOKEN", "123456:fleet-test-token");
      pb.environment().put("TELEGRAM_CHAT_ID", "-100777");
      pb.environment().put("TELEGRAM_API_URL", telegram.url());
    }
    Process p = pb.start();
    fleet.add(p);
    ports.add(port);
    return p;
  }

  /** Imports the keys, starts instances 1 and 2 (127.0.0.1 and .2), waits until every account is looked at by its owner. */
  void twoInstancesGuardingEverything(SimServer sim, String pg, String key) throws Exception {
    FleetFailoverTest.importKeys(dir, sim, pg, key);
    instance(1, sim, pg, key);
    instance(2, sim, pg, key);
    FleetFailoverTest.awaitBalanced(pg, 2);
    FleetFailoverTest.awaitEveryAccountLookedAtByItsOwner(pg);
  }

  /** An instance's /health, parsed (null while it does not answer). */
  JsonNode health(int index) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(index) + "/health"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(r.body());
    } catch (Exception e) {
      return null;
    }
  }

  String log(int n) throws Exception {
    return Files.readString(dir.resolve("host" + n).resolve("watch.log"));
  }

  void awaitRestored(SimServer sim, List<String> users, Duration within) throws Exception {
    try {
      await().atMost(within).pollInterval(Duration.ofMillis(200)).until(() ->
          users.stream().allMatch(uid -> sim.exchange().countPlans(uid, "BTCUSDT", "long", "pos_loss") == 1));
    } catch (ConditionTimeoutException e) {
      StringBuilder why = new StringBuilder("not restored within " + within + ":");
      for (String uid : users) if (sim.exchange().countPlans(uid, "BTCUSDT", "long", "pos_loss") != 1) why.append(' ').append(uid);
      for (int n = 1; n <= fleet.size(); n++) {
        List<String> lines = log(n).lines().toList();
        why.append("\n--- host").append(n).append(" ---\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
      }
      throw new AssertionError(why.toString(), e);
    }
  }

  /**
   * New connections refused (a role's connection limit, as after a password rotation or with
   * max_connections reached), then the instance that delivers alerts is killed: the survivor claims
   * the dead one's accounts on its open connection and must guard them (the delivery lock was once
   * a new connection whose refusal hid the claim), and takes alert delivery over.
   */
  @Test
  void refusedNewConnectionsNeverLeaveClaimedAccountsUnguarded() throws Exception {
    String pg = databaseOfOwnRole("guard_refused");
    String key = masterKey();
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(FleetFailoverTest.scenario())), 0)) {
      twoInstancesGuardingEverything(sim, pg, key);
      await().atMost(Duration.ofSeconds(10)).until(() -> health(0) != null && health(1) != null);
      int deliverer = health(0).path("fleet").path("deliversAlerts").asBoolean() ? 0 : 1;
      assertThat(health(deliverer).path("fleet").path("deliversAlerts").asBoolean()).as("one instance delivers alerts").isTrue();
      Process victim = fleet.get(deliverer);
      String victimId = owners(pg).keySet().stream().filter(id -> id.contains("-" + victim.pid() + "-")).findFirst().orElseThrow();
      List<String> orphaned = owners(pg).get(victimId);

      asSuperuser("ALTER ROLE guard_refused CONNECTION LIMIT 0"); // open sessions stay, new ones are refused
      victim.destroyForcibly();
      assertThat(victim.waitFor(10, TimeUnit.SECONDS)).isTrue();
      for (String uid : orphaned) sim.exchange().cancelStopsFromOutside(uid, "BTCUSDT", "long");

      awaitRestored(sim, orphaned, Duration.ofSeconds(TTL + 12));
      int survivor = 1 - deliverer;
      JsonNode h = health(survivor);
      assertThat(h.path("fleet").path("accountsOwned").asInt()).isEqualTo(ACCOUNTS);
      assertThat(h.path("fleet").path("ownedNotGuarded").asInt()).isZero();
      // Alert delivery is a lease on the survivor's open connection too: it took it over.
      await().atMost(Duration.ofSeconds(TTL + 5)).until(() -> health(survivor).path("fleet").path("deliversAlerts").asBoolean());
      asSuperuser("ALTER ROLE guard_refused CONNECTION LIMIT -1");
    }
  }

  /**
   * One host with another master key must not poison the store: `keys add` and `keys import` with
   * it are refused (exit 3, both key identifiers, nothing re-encrypted; it "updated 5" rows nobody
   * else could open before), and a fleet instance with it refuses to start instead of claiming
   * accounts it cannot open. The instance keyed right guards every account; `stopguard fleet` is clean.
   */
  @Test
  void anotherMasterKeyCannotPoisonTheStoreNorJoinTheFleet() throws Exception {
    String pg = PgServer.newDatabase();
    String right = masterKey();
    String other = masterKey();
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(FleetFailoverTest.scenario())), 0)) {
      Map<String, String> admin = FleetFailoverTest.importKeys(dir, sim, pg, right);
      String sealedBefore = Psql.query(pg, "SELECT api_secret_enc FROM user_exchange_keys WHERE user_id = '800021';");
      Map<String, String> wrongHost = new HashMap<>(admin);
      wrongHost.put("STOPGUARD_MASTER_KEY", other);
      wrongHost.put("STOPGUARD_HOME", Files.createDirectories(dir.resolve("wrong-host")).toString());
      CliRun poison = CliRun.run(wrongHost, "s1\np1\n", "keys", "add", "--user", "800021", "--exchange", "bitget", "--api-key",
          Psql.query(pg, "SELECT api_key FROM user_exchange_keys WHERE user_id = '800021';").strip());
      assertThat(poison.exit()).as(poison.err()).isEqualTo(3);
      assertThat(poison.err().strip().lines()).hasSize(1);
      assertThat(poison.err()).containsPattern("is sealed with master key [0-9a-f]{16} but this host has master key [0-9a-f]{16}")
          .doesNotContain(right).doesNotContain(other);
      assertThat(Psql.query(pg, "SELECT api_secret_enc FROM user_exchange_keys WHERE user_id = '800021';"))
          .as("nothing re-encrypted").isEqualTo(sealedBefore);

      instance(1, sim, pg, right);
      Process wrong = instance(2, sim, pg, other);
      assertThat(wrong.waitFor(30, TimeUnit.SECONDS)).as("refused at start: " + log(2)).isTrue();
      assertThat(wrong.exitValue()).isEqualTo(3);
      assertThat(log(2)).contains("is sealed with master key").contains("nothing written");
      await().atMost(Duration.ofSeconds(TTL * 3L + 10)).pollInterval(Duration.ofMillis(300)).until(() -> {
        Map<String, List<String>> o = owners(pg);
        return o.size() == 1 && o.values().iterator().next().size() == ACCOUNTS;
      });
      FleetFailoverTest.awaitEveryAccountLookedAtByItsOwner(pg);
      sim.exchange().cancelStopsFromOutside("800021", "BTCUSDT", "long");
      awaitRestored(sim, List.of("800021"), Duration.ofSeconds(10));
      CliRun shown = CliRun.run(admin, "", "fleet", "--lease-ttl", Integer.toString(TTL));
      assertThat(shown.exit()).as(shown.out() + shown.err()).isZero();
      assertThat(shown.out()).contains("1 live instance(s), 30 account(s), 0 unowned, 0 held but not guarded");
      CliRun json = CliRun.run(admin, "", "fleet", "--json", "--lease-ttl", Integer.toString(TTL));
      assertThat(json.exit()).as(json.err()).isZero();
      JsonNode doc = json.json(); // one JSON document, times as strings
      assertThat(doc.path("instances")).hasSize(1);
      assertThat(doc.path("heldNotGuarded").asInt()).isZero();
    }
  }

  /**
   * A table lock held elsewhere (a migration, an operator's transaction) on the tables every look
   * and status publish use: their lease renewals run on a connection and a lock of their own, so no
   * instance fences itself and no lease changes hands; the WebSocket pings run on a timer that never
   * waits on the database, so no connection is dropped. Stops cancelled under the lock (one on
   * each instance) are back within 10 s, placed without the store; once the lock goes, their
   * episodes are in the store with their real times.
   */
  @Test
  void aHeldLockOnTheTablesLooksUseNeverFencesTheFleetNorStopsARestore() throws Exception {
    String pg = PgServer.newDatabase();
    String key = masterKey();
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(FleetFailoverTest.scenario())), 0)) {
      twoInstancesGuardingEverything(sim, pg, key);
      Map<String, List<String>> before = owners(pg);
      int sockets = sim.webSockets(null);
      assertThat(sockets).isEqualTo(ACCOUNTS);
      String db = pg.substring(pg.lastIndexOf('/') + 1);
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + PgServer.get().getPort() + "/" + db,
          "postgres", ""); Statement st = c.createStatement()) {
        c.setAutoCommit(false);
        st.execute("LOCK TABLE position_status, incidents IN ACCESS EXCLUSIVE MODE"); // every look reads incidents
        long locked = System.nanoTime();
        Thread.sleep(3_000);
        List<String> cancelled = before.values().stream().map(users -> users.get(0)).toList();
        Instant cancelledAt = Instant.now();
        for (String uid : cancelled) assertThat(sim.exchange().cancelStopsFromOutside(uid, "BTCUSDT", "long")).isEqualTo(1);
        awaitRestored(sim, cancelled, Duration.ofSeconds(10));
        // 33 s: past the self-fence (TTL/2), every lease's expiry, and Bitget's 30 s without a ping,
        // had renewals or pings waited on the database
        long left = 33_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - locked);
        await().during(Duration.ofMillis(left)).atMost(Duration.ofMillis(left + 3_000)).pollInterval(Duration.ofMillis(250))
            .untilAsserted(() -> {
              assertThat(owners(pg)).as("leases; logs:\n" + log(1) + log(2)).isEqualTo(before);
              assertThat(sim.webSockets(null)).as("WebSockets open; logs:\n" + log(1) + log(2)).isEqualTo(sockets);
            });
        Instant released = Instant.now();
        c.rollback();
        for (String uid : cancelled) {
          String[] row = {""};
          await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).until(() -> (row[0] = Psql.query(pg,
              "SELECT state, restored_by, detected_at, restored_at FROM incidents WHERE user_id = '" + uid + "';"))
              .startsWith("restored|watch|"));
          String[] f = row[0].strip().split("\\|");
          assertThat(Instant.parse(f[2])).as(row[0]).isBetween(cancelledAt.minusSeconds(1), released);
          assertThat(Instant.parse(f[3])).as(row[0]).isBefore(released);
        }
        // one WARN for the outage per instance, not one per account; and one line when it is over
        for (int n = 1; n <= 2; n++) {
          int instance = n;
          await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300))
              .until(() -> log(instance).contains("INFO  i.s.guard.Watcher - looks are recorded again;"));
          assertThat(log(n).split("looks cannot be recorded, the store does not answer", -1)).as(log(n)).hasSizeLessThanOrEqualTo(3);
          assertThat(log(n)).doesNotContain("this look cannot be recorded");
        }
      }
      for (int n = 1; n <= 2; n++) assertThat(log(n)).doesNotContain("stopped guarding").doesNotContain("WebSocket down");
    }
  }

  /**
   * The instance delivering alerts freezes (SIGSTOP: its PostgreSQL session stays open, as for a
   * host gone without a FIN): delivery passes to another instance within a lease TTL, and when the
   * frozen one wakes up nothing is sent twice.
   */
  @Test
  void aFrozenDelivererHandsAlertDeliveryOverAndSendsNothingTwiceOnWaking() throws Exception {
    telegram = new FakeTelegram();
    String pg = PgServer.newDatabase();
    String key = masterKey();
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(FleetFailoverTest.scenario())), 0)) {
      twoInstancesGuardingEverything(sim, pg, key);
      await().atMost(Duration.ofSeconds(10)).until(() -> health(0) != null && health(1) != null);
      int deliverer = health(0).path("fleet").path("deliversAlerts").asBoolean() ? 0 : 1;
      int survivor = 1 - deliverer;
      assertThat(health(deliverer).path("fleet").path("deliversAlerts").asBoolean()).isTrue();
      assertThat(health(survivor).path("fleet").path("deliversAlerts").asBoolean()).isFalse();
      Process frozen = fleet.get(deliverer);
      String survivorId = owners(pg).keySet().stream().filter(id -> id.contains("-" + fleet.get(survivor).pid() + "-"))
          .findFirst().orElseThrow();
      String uid = owners(pg).get(survivorId).get(0);

      FleetFailoverTest.signal(frozen, "STOP");
      sim.exchange().cancelStopsFromOutside(uid, "BTCUSDT", "long");
      awaitRestored(sim, List.of(uid), Duration.ofSeconds(10));
      // the survivor takes delivery over once the frozen one's delivery lease expires
      await().atMost(Duration.ofSeconds(TTL + 10)).pollInterval(Duration.ofMillis(200)).until(() ->
          telegram.received().stream().anyMatch(r -> r.text().contains(uid) && r.text().contains("✅")));
      assertThat(health(survivor).path("fleet").path("deliversAlerts").asBoolean()).isTrue();

      FleetFailoverTest.signal(frozen, "CONT");
      await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        List<String> texts = telegram.received().stream().map(FakeTelegram.Received::text).toList();
        assertThat(texts).as("every alert once").doesNotHaveDuplicates();
      });
    }
  }

  /**
   * An instance cut from PostgreSQL (a proxy that stops forwarding: no FIN) while it still reaches
   * Bitget. A stop cancelled at the cut is seen by its look, which then waits on the store. The
   * other instance takes the account over and restores it. When the cut heals, the stale look must
   * record nothing: no phantom incident, no second alert, the flag stays 0.
   */
  @Test
  void aPartitionedInstanceRecordsNothingStaleWhenItHeals() throws Exception {
    String pg = PgServer.newDatabase();
    String key = masterKey();
    int pgPort = PgServer.get().getPort();
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(FleetFailoverTest.scenario())), 0);
        TcpProxy proxy = new TcpProxy("127.0.0.1", pgPort)) {
      FleetFailoverTest.importKeys(dir, sim, pg, key);
      Process cutOff = instance(1, sim, pg.replace(":" + pgPort + "/", ":" + proxy.port() + "/"), key);
      instance(2, sim, pg, key);
      FleetFailoverTest.awaitBalanced(pg, 2);
      FleetFailoverTest.awaitEveryAccountLookedAtByItsOwner(pg);
      String cutId = owners(pg).keySet().stream().filter(id -> id.contains("-" + cutOff.pid() + "-")).findFirst().orElseThrow();
      String uid = owners(pg).get(cutId).get(0);

      proxy.cut();
      sim.exchange().cancelStopsFromOutside(uid, "BTCUSDT", "long"); // its push reaches the cut-off instance at once
      awaitRestored(sim, List.of(uid), Duration.ofSeconds(TTL + 12));
      String incidents = "SELECT state FROM incidents WHERE user_id = '" + uid + "' ORDER BY id;";
      // Either the other instance took the account over and restored it (its incident: restored), or
      // the cut-off one restored it first, within its lease (a placement without the store, allowed
      // while the lease has a TTL/3 left), and records it when the store answers: both are right,
      // and which comes first is a matter of milliseconds. Either way: one stop, one incident.
      Path cutLog = dir.resolve("host1").resolve("watch.log");
      await().atMost(Duration.ofSeconds(10)).until(() -> Psql.query(pg, incidents).equals("restored")
          || Files.readString(cutLog).contains("restored " + uid + ":BTCUSDT:LONG WITHOUT THE STORE"));

      boolean placedByTheCutOne = !Psql.query(pg, incidents).equals("restored");

      proxy.heal(); // well within the driver's 30 s socket timeout: the held statements go through now
      if (placedByTheCutOne) {
        // Its record went with the account: a known gap (docs/FLEET.md), so it must at least be loud.
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(cutLog).contains(
            "user " + uid + ": 1 stop(s) placed without the store while this instance held the account will not be recorded"));
      }
      await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        assertThat(Psql.query(pg, incidents)).as("incidents of " + uid).isEqualTo(placedByTheCutOne ? "" : "restored");
        assertThat(Psql.query(pg, "SELECT count(*) FROM incidents WHERE state IN ('open', 'restoring');")).isEqualTo("0");
        assertThat(Psql.query(pg, FleetFailoverTest.FLAG)).isEqualTo("0");
      });
      assertThat(sim.exchange().countPlans(uid, "BTCUSDT", "long", "pos_loss")).isEqualTo(1);
    }
  }

  /**
   * Bitget stops answering one instance (a proxy in front of the simulator stops forwarding: its
   * egress is blocked) while the database still does. Holding a lease must mean guarding: after a
   * lease TTL without an answer it gives its accounts back, the other instance restores a stop
   * cancelled meanwhile, and the cut-off one says why on /health. When Bitget answers again it
   * takes its share back.
   */
  @Test
  void anInstanceBitgetNoLongerAnswersGivesItsAccountsBack() throws Exception {
    String pg = PgServer.newDatabase();
    String key = masterKey();
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(FleetFailoverTest.scenario())), 0);
        TcpProxy bitget = new TcpProxy("127.0.0.1", sim.port())) {
      FleetFailoverTest.importKeys(dir, sim, pg, key);
      Process cutOff = instance(1, "http://127.0.0.1:" + bitget.port(), pg, key);
      instance(2, sim, pg, key);
      FleetFailoverTest.awaitBalanced(pg, 2);
      FleetFailoverTest.awaitEveryAccountLookedAtByItsOwner(pg);
      String cutId = owners(pg).keySet().stream().filter(id -> id.contains("-" + cutOff.pid() + "-")).findFirst().orElseThrow();
      List<String> its = owners(pg).get(cutId);

      bitget.cut();
      long t0 = System.nanoTime();
      sim.exchange().cancelStopsFromOutside(its.get(0), "BTCUSDT", "long");
      awaitRestored(sim, List.of(its.get(0)), Duration.ofSeconds(TTL * 3L + 10));
      System.out.println("Bitget cut from one instance: its cancelled stop restored by the other in "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms (TTL " + TTL + " s)");
      await().atMost(Duration.ofSeconds(10)).until(() -> !owners(pg).containsKey(cutId));
      JsonNode h = health(0);
      assertThat(h.path("degradedBecause").toString()).contains("Bitget has not answered this instance");
      assertThat(h.path("fleet").path("accountsOwned").asInt()).isZero();

      bitget.heal();
      FleetFailoverTest.awaitBalanced(pg, 2);
    }
  }

  /**
   * Bitget's limits are per IP. Two instances on one host without --source-ip (two homes) leave
   * through the same address: each takes half the budget. A third instance in the first one's home
   * with an address of its own is not refused (it was: "a second one would double the requests").
   */
  @Test
  void instancesOnOneEgressSplitItsBudgetAndOneHomeServesSeveralAddresses() throws Exception {
    String pg = PgServer.newDatabase();
    String key = masterKey();
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(FleetFailoverTest.scenario())), 0)) {
      Map<String, String> admin = FleetFailoverTest.importKeys(dir, sim, pg, key);
      String url = sim.baseUrl().toString();
      start("host1", "watch.log", null, url, pg, key);
      start("host2", "watch.log", null, url, pg, key);
      FleetFailoverTest.awaitBalanced(pg, 2);
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).until(() ->
          health(0) != null && health(1) != null && health(0).path("requestsPerMinuteBudget").asInt() == 2850
              && health(1).path("requestsPerMinuteBudget").asInt() == 2850);
      assertThat(health(0).path("fleet").path("instancesOnThisEgress").asInt()).isEqualTo(2);
      assertThat(log(1)).contains("2 live instance(s) leave through");

      Process third = start("host1", "watch-3.log", "127.0.0.3", url, pg, key); // same home, its own address
      FleetFailoverTest.awaitBalanced(pg, 3);
      assertThat(third.isAlive()).as(Files.readString(dir.resolve("host1").resolve("watch-3.log"))).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> health(2) != null && health(2).path("requestsPerMinuteBudget").asInt() == 5700);
      CliRun shown = CliRun.run(admin, "", "fleet", "--lease-ttl", Integer.toString(TTL));
      assertThat(shown.out()).contains(" of 2850").contains(" of 5700");
    }
  }
}
