package io.stopguard.cli;

import io.stopguard.guard.OneOffMarker;
import io.stopguard.guard.WatchLock;
import io.stopguard.sim.Faults;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.TestScenarios;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `stopguard watch` as a real process: SIGTERM stops it cleanly, and a restart resumes the open
 * incident and restores the stop exactly once.
 */
@Execution(ExecutionMode.CONCURRENT) // beside the in-process tests; one such class at a time
@ResourceLock(ProcessTests.LOCK)
class WatchProcessTest {
  @TempDir
  Path home;

  Process watch(SimServer sim, String restore, Path log) throws Exception {
    return watch(sim, restore, log, "127.0.0.1:0");
  }

  /** `watch` listening on {@code listen}, its command line after {@code prefix} (e.g. faketime and its options). */
  Process watch(SimServer sim, String restore, Path log, String listen, String... prefix) throws Exception {
    return watch(sim, restore, log, listen, List.of(prefix), List.of());
  }

  /** `watch` with {@code prefix} before its command line and {@code more} options after it. */
  Process watch(SimServer sim, String restore, Path log, String listen, List<String> prefix, List<String> more) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "watch", "--restore", restore, "--grace", "0.2",
        "--listen", listen));
    cmd.addAll(more);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("STOPGUARD_HOME", home.toString());
    pb.environment().put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    pb.environment().remove("TELEGRAM_BOT_TOKEN");
    return pb.start();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  void addKey() {
    assertThat(CliRun.run(Map.of("STOPGUARD_HOME", home.toString()), "s1\np1\n", "keys", "add", "--user",
        "556251171", "--exchange", "bitget", "--api-key", "bg_k1").exit()).isZero();
  }

  /**
   * Another process holds trading.db's write lock (sqlite3 in a transaction) for over 20 s: looks
   * cannot be recorded. A stop cancelled meanwhile is back within 10 s all the same, the trader's
   * own price (the one the watcher last saw, not the policy's), while the lock is still held.
   * /health keeps answering (it read through the store's monitor and hung), says so within 10 s
   * with the real cause, the metric counts the silence, and once the lock goes the episode is in
   * the store with its real times: detected and restored before the lock was released, by watch.
   */
  @Test
  void aStoreLockedByAnotherProcessNeitherStopsARestoreNorHidesIt() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      addKey();
      int port = freePort();
      Path log = home.resolve("watch.log");
      Process p = watch(sim, "on", log, "127.0.0.1:" + port);
      Process holder = null;
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> sim.exchange().countPlans("556251171", "BTCUSDT", "long", "pos_loss") == 1);
        holder = new ProcessBuilder("sqlite3", home.resolve("trading.db").toString()).redirectErrorStream(true).start();
        OutputStream in = holder.getOutputStream();
        // waits its turn for the lock (the watcher may be writing), then says it holds it
        in.write((".timeout 10000\nBEGIN EXCLUSIVE;\nINSERT INTO risk_flags (flag, value, updated_at, detail)"
            + " VALUES ('held', 0, 'x', 'x');\nSELECT 'lock' || 'held';\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
            StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null && !line.contains("lockheld"); ) {
          assertThat(line).as("sqlite3 could not take the lock").doesNotContain("Error");
        }
        Instant cancelled = Instant.now();
        assertThat(sim.exchange().cancelStopsFromOutside("556251171", "DASHUSDT", "short")).isEqualTo(1);
        long t0 = System.nanoTime();
        try {
          await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
              .until(() -> sim.exchange().countPlans("556251171", "DASHUSDT", "short", "pos_loss") == 1);
        } catch (ConditionTimeoutException e) {
          throw new AssertionError("no stop back while the store is locked:\n" + Files.readString(log), e);
        }
        assertThat(holder.isAlive()).as("the lock was held throughout").isTrue();
        HttpClient http = HttpClient.newHttpClient();
        String said = null;
        while (said == null && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(12)) {
          HttpResponse<String> h = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.ofString()); // a /health that hangs fails here
          if (h.body().contains("the store has not answered")) said = h.body();
          else Thread.sleep(200);
        }
        assertThat(said).as(Files.readString(log)).isNotNull();
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThanOrEqualTo(10);
        // ... and keeps saying so while the lock lasts (it flickered back to ok between retries)
        for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(8); System.nanoTime() < until; Thread.sleep(250)) {
          String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
              .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
          assertThat(body).as("/health during the lock; log:\n" + Files.readString(log)).contains("the store has not answered");
        }
        // and the real cause, once the look's transaction has given up waiting (SQLite's busy timeout, 5 s)
        String[] last = {null};
        try {
          await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> (last[0] = http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                  .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body())
              .contains("database is locked"));
        } catch (ConditionTimeoutException e) {
          throw new AssertionError("no cause in /health:\n" + last[0] + "\n" + Files.readString(log), e);
        }
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).containsPattern("stopguard_store_silent_seconds [1-9]");
        Instant released = Instant.now();
        in.write("ROLLBACK;\n.quit\n".getBytes(StandardCharsets.UTF_8));
        in.close();
        holder.waitFor(5, TimeUnit.SECONDS);
        Path db = home.resolve("trading.db");
        String[] row = {""};
        try {
          await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).until(() -> (row[0] = Sqlite3.query(db,
              "SELECT state, restored_by, detected_at, restored_at FROM incidents WHERE symbol = 'DASHUSDT'")).startsWith("restored|watch|"));
        } catch (ConditionTimeoutException e) {
          throw new AssertionError("the episode is not in the store: " + row[0] + "\n" + Files.readString(log), e);
        }
        String[] f = row[0].split("\\|");
        Instant detected = Instant.parse(f[2]);
        Instant restored = Instant.parse(f[3]);
        assertThat(detected).as("detected at its real time").isBetween(cancelled.minusSeconds(1), released);
        assertThat(restored).as("restored at its real time").isBetween(detected, released);
        String audit = Sqlite3.query(db, "SELECT actor, action, trigger_price, result, at FROM audit_log WHERE symbol = 'DASHUSDT'");
        assertThat(audit).as("the trader's own stop, 70.43, put back").startsWith("watch|place|70.43|ok|");
        assertThat(Instant.parse(audit.split("\\|")[4])).isBefore(released);
        assertThat(Files.readString(log)).contains("the store does not answer").doesNotContain("no transaction is active");
      } finally {
        if (holder != null) holder.destroyForcibly();
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A key Bitget refuses (here: a wrong secret) is retried on the back-off, capped at the interval,
   * for as long as it stays wrong: one WARN line for the state, not one per try (92 lines in 95 s
   * before); /health keeps saying it.
   */
  /**
   * The README's drill under the watcher: XRPUSDT's stop, cancelled "from outside" (the drill does it
   * at 60 s; here at once), comes back at the trader's own 2.4500, not the policy's 10 % from entry
   * (2.5627 before), and the status page says which stop it put back.
   */
  @Test
  void theDrillsCancelledStopComesBackAtTheTradersOwnPrice() throws Exception {
    Path examples = Path.of("..", "examples");
    try (SimServer sim = SimServer.start(Scenario.load(examples.resolve("drill.yaml")), 0)) {
      assertThat(CliRun.run(Map.of("STOPGUARD_HOME", home.toString(), "STOPGUARD_BITGET_BASE_URL",
          sim.baseUrl().toString()), "", "keys", "import", "--file", examples.resolve("drill-keys.csv").toString()).exit()).isZero();
      int port = freePort();
      Path log = home.resolve("watch.log");
      Process p = watch(sim, "on", log, "127.0.0.1:" + port);
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> Sqlite3.query(home.resolve("trading.db"),
            "SELECT count(*) FROM intended_stops WHERE symbol = 'XRPUSDT' AND source = 'observed'").equals("1"));
        assertThat(sim.exchange().cancelStopsFromOutside("700400", "XRPUSDT", "short")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> sim.exchange().countPlans("700400", "XRPUSDT", "short", "pos_loss") == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> Sqlite3.query(home.resolve("trading.db"),
            "SELECT state FROM incidents WHERE symbol = 'XRPUSDT'").equals("restored"));
        assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT trigger_price FROM audit_log WHERE symbol = 'XRPUSDT'"
            + " AND action = 'place'")).isEqualTo("2.4500");
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/account?user=700400")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(page.body()).as(page.body()).contains("2.4500").contains("the stop seen on the position at ");
      } finally {
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  /** A watcher with no key to guard says so at start, not only on /health. */
  @Test
  void aWatcherWithNothingToGuardWarnsAtStart() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      Files.createDirectories(home);
      Path log = home.resolve("watch.log");
      Process p = watch(sim, "on", log);
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("/metrics and /health"));
        assertThat(Files.readString(log)).contains("stopguard watch: warning: no active Bitget key in")
            .contains("nothing is guarded until one is added");
      } finally {
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aRefusedKeyIsOneWarnLineNotOnePerTry() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      sim.exchange().history().enable();
      assertThat(CliRun.run(Map.of("STOPGUARD_HOME", home.toString()), "not-the-secret\np1\n", "keys", "add", "--user",
          "556251171", "--exchange", "bitget", "--api-key", "bg_k1").exit()).isZero();
      Path log = home.resolve("watch.log");
      Process p = watch(sim, "on", log, "127.0.0.1:0", List.of(), List.of("--interval", "1", "--no-websocket"));
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> sim.exchange().history().lastRequestAt("556251171") > 0);
        Thread.sleep(6_000); // looks at 1 s intervals after the back-off's first steps: several tries
        List<String> warns = Files.readAllLines(log).stream().filter(l -> l.contains("WARN") && l.contains("user 556251171: ")).toList(); // the tries (the "NOT guarded" state line is separate)
        assertThat(warns).as(Files.readString(log)).hasSize(1);
      } finally {
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A process paused for 7 s (SIGSTOP; a VM pause, a long GC) knows it on waking: one WARN line, a
   * counter, /health, and a look at every account at once, since anything may have happened
   * meanwhile. Polling every 60 s without WebSockets, a stop cancelled during the pause is back
   * within seconds of waking, not at the next reconcile.
   */
  @Test
  void aProcessPausedFor7SecondsSaysSoAndLooksAtEveryAccountOnWaking() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      addKey();
      int port = freePort();
      Path log = home.resolve("watch.log");
      Process p = watch(sim, "on", log, "127.0.0.1:" + port, List.of(), List.of("--no-websocket", "--interval", "60"));
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> sim.exchange().countPlans("556251171", "BTCUSDT", "long", "pos_loss") == 1);
        Thread.sleep(1_000);
        FleetFailoverTest.signal(p, "STOP");
        sim.exchange().cancelStopsFromOutside("556251171", "BTCUSDT", "long");
        Thread.sleep(7_000);
        FleetFailoverTest.signal(p, "CONT");
        try {
          await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
              .until(() -> sim.exchange().countPlans("556251171", "BTCUSDT", "long", "pos_loss") == 1);
        } catch (ConditionTimeoutException e) {
          throw new AssertionError("not restored within 5 s of waking:\n" + Files.readString(log), e);
        }
        assertThat(Files.readString(log)).containsPattern("this process was paused for [678] s");
        HttpResponse<String> h = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode health = new ObjectMapper().readTree(h.body());
        assertThat(health.path("processPauses").asInt()).isEqualTo(1);
        assertThat(health.path("degradedBecause").toString()).contains("this process was paused for");
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest
            .newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("stopguard_process_pauses_total 1.0");
      } finally {
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The first alert's restore suggestion needs Bitget's contract rules. Fetched inside the look's
   * store transaction, a slow contracts endpoint held the store for every other account (the client
   * retries for up to ~41 s): a second account's bare position went unrecorded meanwhile. Nothing
   * goes to the network inside a transaction.
   */
  @Test
  void aSlowContractsEndpointNeverHoldsTheStoreForAnotherAccount() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(
        TestScenarios.text("runbook-user-protected-and-a-hedge-account"))), 0)) {
      sim.exchange().history().enable();
      addKey();
      assertThat(CliRun.run(Map.of("STOPGUARD_HOME", home.toString()), "s2\np2\n", "keys", "add", "--user",
          "700100", "--exchange", "bitget", "--api-key", "bg_k2").exit()).isZero();
      Path db = home.resolve("trading.db");
      Path log = home.resolve("watch.log");
      sim.faults().set("/api/v2/mix/market/contracts", new Faults.Spec(20_000, 0, 0, 0, 0, 0));
      Process p = watch(sim, "off", log);
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("watching user 700100")
            && sim.exchange().history().lastRequestAt("700100") > 0 && sim.exchange().history().lastRequestAt("556251171") > 0);
        Thread.sleep(1_000);
        sim.exchange().cancelStopsFromOutside("556251171", "DASHUSDT", "short");
        await().atMost(Duration.ofSeconds(5)).until(() -> Sqlite3.query(db, "SELECT count(*) FROM incidents;").equals("1"));
        sim.exchange().cancelStopsFromOutside("700100", "BTCUSDT", "long");
        try {
          await().atMost(Duration.ofSeconds(5)).until(() -> Sqlite3.query(db,
              "SELECT count(*) FROM incidents WHERE user_id = '700100';").equals("1"));
        } catch (ConditionTimeoutException e) {
          throw new AssertionError("the second account's bare position was not recorded within 5 s:\n" + Files.readString(log), e);
        }
      } finally {
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void sigtermStopsCleanlyAndARestartResumesTheIncident() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      addKey();
      Path db = home.resolve("trading.db");

      // alert only: the incident opens, nothing is placed
      Path log1 = home.resolve("watch1.log");
      Process p1 = watch(sim, "off", log1);
      await().atMost(Duration.ofSeconds(20)).until(() -> Sqlite3.query(db, "SELECT count(*) FROM incidents;").equals("1"));
      p1.destroy(); // SIGTERM
      assertThat(p1.waitFor(15, TimeUnit.SECONDS)).isTrue();
      assertThat(p1.exitValue()).as(Files.readString(log1)).isIn(0, 143);
      assertThat(Files.readString(log1)).contains("stopguard watch: stopping");
      assertThat(sim.exchange().countPlans("556251171", "BTCUSDT", "long", "pos_loss")).isZero();

      // restart with restore on: the same incident is resumed and restored exactly once
      Path log2 = home.resolve("watch2.log");
      Process p2 = watch(sim, "on", log2);
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> sim.exchange().countPlans("556251171", "BTCUSDT", "long", "pos_loss") == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> Sqlite3.query(db, "SELECT state FROM incidents;").equals("restored"));
        assertThat(Sqlite3.query(db, "SELECT count(*) FROM incidents;")).isEqualTo("1");
        // and stays one, checked all along a quiet second: nothing placed twice
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
            .until(() -> sim.exchange().countPlans("556251171", "BTCUSDT", "long", "pos_loss") == 1);
      } finally {
        p2.destroy();
        p2.waitFor(15, TimeUnit.SECONDS);
      }
      assertThat(new File(log2.toString())).exists();
    }
  }

  /**
   * A host clock 90 s ahead (libfaketime): Bitget refuses every signed request whose timestamp is
   * off by more than 30 s, so `watch` signs with Bitget's time, measured over the public time
   * endpoint at start and every minute. The bare position is restored within 10 s, and /health
   * shows the offset.
   */
  @Test
  void aHostClock90SecondsAheadStillGuardsAndShowsTheSkew() throws Exception {
    assertThat(Path.of("/usr/bin/faketime")).as("libfaketime (Debian package faketime; .ci/run installs it)").exists();
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      addKey();
      int port = freePort();
      long t0 = System.nanoTime();
      Process p = watch(sim, "on", home.resolve("watch.log"), "127.0.0.1:" + port, "/usr/bin/faketime", "-f", "+90s");
      try {
        try {
          await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
              .until(() -> sim.exchange().countPlans("556251171", "BTCUSDT", "long", "pos_loss") == 1);
        } catch (ConditionTimeoutException e) {
          throw new AssertionError("not restored under a +90 s clock:\n" + Files.readString(home.resolve("watch.log")), e);
        }
        System.out.println("clock +90 s: restored " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after the start");
        // a stop cancelled later is back within 10 s too
        sim.exchange().cancelStopsFromOutside("556251171", "BTCUSDT", "long");
        long t1 = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
            .until(() -> sim.exchange().countPlans("556251171", "BTCUSDT", "long", "pos_loss") == 1);
        System.out.println("clock +90 s: a cancelled stop back in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1) + " ms");
        HttpResponse<String> h = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode health = new ObjectMapper().readTree(h.body());
        assertThat(health.path("bitgetClockOffsetMs").asLong()).isBetween(-92_000L, -88_000L);
        assertThat(health.path("degradedBecause").toString()).contains("this host's clock is 90 s ahead of Bitget's");
        assertThat(Files.readString(home.resolve("watch.log"))).contains("this host's clock is 90 s ahead of Bitget's")
            .doesNotContain("40008");
      } finally {
        p.descendants().forEach(ProcessHandle::destroy); // faketime runs the JVM as its child
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The flag follows the stored row, not the process's memory of its last write: another writer
   * (a second instance, a stale look, an operator) that sets it to 0 while a position is bare is
   * overwritten within seconds.
   */
  @Test
  void theFlagIsReassertedWhenAnotherWriterClearsItWhileAPositionIsBare() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      addKey();
      Path db = home.resolve("trading.db");
      String flag = "SELECT value FROM risk_flags WHERE flag = 'bitget_stoploss_missing';";
      Process p = watch(sim, "off", home.resolve("watch.log"));
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> Sqlite3.query(db, flag).equals("1"));
        Sqlite3.query(db, "UPDATE risk_flags SET value = 0 WHERE flag = 'bitget_stoploss_missing';");
        assertThat(Sqlite3.query(db, flag)).isEqualTo("0");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> Sqlite3.query(db, flag).equals("1"));
      } finally {
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aSecondWatcherOnTheSameHomeIsRefusedWhileTheFirstRuns() throws Exception {
    // Two processes: POSIX locks are per process, so one JVM cannot see a lock it dropped itself.
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      addKey();
      Path log1 = home.resolve("first.log");
      Process first = watch(sim, "off", log1);
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log1).contains("stopguard watch: 1 account"));
        // Past the first key refresh (every 10 s), where the old probe, run inside the holder, dropped
        // the lock: a key added now is picked up by that refresh, so its "watching" line says it ran.
        assertThat(CliRun.run(Map.of("STOPGUARD_HOME", home.toString()), "s2\np2\n", "keys", "add", "--user",
            "556251172", "--exchange", "bitget", "--api-key", "bg_k2").exit()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log1).contains("watching user 556251172"));
        assertThat(WatchLock.anyHeld(home)).as("the lock, seen from another process").isTrue();
        Path log2 = home.resolve("second.log");
        Process second = watch(sim, "off", log2);
        assertThat(second.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).as(Files.readString(log2)).isEqualTo(2);
        assertThat(Files.readString(log2)).contains("another stopguard watch is running shard 0/1");
        assertThat(first.isAlive()).isTrue();
      } finally {
        first.destroy();
        first.waitFor(15, TimeUnit.SECONDS);
      }
      assertThat(WatchLock.anyHeld(home)).as("released with the process").isFalse();
    }
  }

  @Test
  void aOneOffCommandBesideTheWatcherGetsItsShareOfTheIpForAsLongAsItRuns() throws Exception {
    // Two processes: the watcher probes the marker a one-off command holds in this (test) process.
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      addKey();
      Path log = home.resolve("watch.log");
      Process p = watch(sim, "off", log);
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("/metrics and /health"));
        Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/metrics")
            .matcher(Files.readString(log));
        assertThat(m.find()).isTrue();
        URI health = URI.create("http://127.0.0.1:" + m.group(1) + "/health");
        HttpClient http = HttpClient.newHttpClient();
        Callable<String> yielded = () -> new ObjectMapper().readTree(
            http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString())
                .body()).path("requestsPerMinuteYieldedToOneOffCommands").asText();
        await().atMost(Duration.ofSeconds(5)).until(yielded, v -> v.equals("0"));
        try (var marker = OneOffMarker.hold(home)) {
          assertThat(marker).isNotNull();
          await().atMost(Duration.ofSeconds(5)).until(yielded, v -> v.equals("600"));
        }
        try {
          await().atMost(Duration.ofSeconds(5)).until(yielded, v -> v.equals("0"));
        } catch (ConditionTimeoutException e) {
          throw new AssertionError(Files.readString(log), e);
        }
      } finally {
        p.destroy();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }
}
