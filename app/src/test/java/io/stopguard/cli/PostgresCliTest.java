package io.stopguard.cli;

import io.stopguard.sim.TcpProxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.Database;
import io.stopguard.store.PgServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runbook's commands with STOPGUARD_DB pointing at a real PostgreSQL server, read back with psql. */
class PostgresCliTest {
  static final String FLAG_SQL = "SELECT flag, value FROM risk_flags WHERE flag='bitget_stoploss_missing';";

  @TempDir
  Path home;
  SimServer sim;
  String pg;
  Map<String, String> env = new HashMap<>();

  @BeforeEach
  void start() {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(CheckCommandTest.SCENARIO)), 0);
    pg = PgServer.newDatabase();
    env.put("STOPGUARD_HOME", home.toString());
    env.put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  private CliRun run(Map<String, String> e, String stdin, String... args) {
    return CliRun.run(e, stdin, args);
  }

  private Map<String, String> onPg() {
    Map<String, String> e = new HashMap<>(env);
    e.put("STOPGUARD_DB", pg);
    return e;
  }

  private void addKeys(Map<String, String> e) {
    assertThat(run(e, "s1\np1\n", "keys", "add", "--user", "9001", "--exchange", "bitget", "--api-key", "bg_k1").exit()).isZero();
    assertThat(run(e, "s2\np2\n", "keys", "add", "--user", "9002", "--exchange", "bitget", "--api-key", "bg_k2").exit()).isZero();
  }

  @Test
  void checkOnPostgresWritesTheFlagRowPsqlReads() throws Exception {
    addKeys(onPg());
    CliRun check = run(onPg(), "", "check");
    assertThat(check.exit()).as(check.err()).isEqualTo(1);
    assertThat(check.out()).isEqualTo("stoploss_missing=[9001:BTCUSDT:LONG, 9002:ETHUSDT:SHORT]\n");
    assertThat(Psql.query(pg, FLAG_SQL)).isEqualTo("bitget_stoploss_missing|1");
    assertThat(Psql.query(pg, "SELECT user_id, exchange_name, is_active FROM user_exchange_keys WHERE exchange_name='bitget' ORDER BY user_id;"))
        .isEqualTo("9001|bitget|1\n9002|bitget|1");
    assertThat(Psql.query(pg, "SELECT count(*) FROM incidents WHERE state = 'open';")).isEqualTo("2");
    assertThat(home.resolve("trading.db")).doesNotExist();
    CliRun flags = run(onPg(), "", "flags");
    assertThat(flags.out()).contains("bitget_stoploss_missing    1");
    CliRun list = run(onPg(), "", "keys", "list");
    assertThat(list.out()).contains("9001").doesNotContain("s1");
  }

  @Test
  void dbCopyFromSqliteGivesTheSameCheckOnPostgresAndAgainChangesNothing() throws Exception {
    addKeys(env); // SQLite: HOME/trading.db
    CliRun onSqlite = run(env, "", "check");
    assertThat(onSqlite.exit()).isEqualTo(1);
    CliRun copy = run(env, "", "db", "copy", "--from", home.resolve("trading.db").toString(), "--to", pg);
    assertThat(copy.exit()).as(copy.out() + copy.err()).isZero();
    assertThat(copy.out()).contains("user_exchange_keys        2 row(s) in source,      2 in target")
        .contains("incidents                 2 row(s) in source,      2 in target").doesNotContain("s1");
    assertThat(run(env, "", "db", "copy", "--from", home.resolve("trading.db").toString(), "--to", pg).exit()).isZero();
    assertThat(Psql.query(pg, "SELECT count(*) FROM user_exchange_keys;")).isEqualTo("2");

    CliRun onPostgres = run(onPg(), "", "check"); // same master key (HOME/master.key): the keys open
    assertThat(onPostgres.out()).isEqualTo(onSqlite.out());
    assertThat(Psql.query(pg, FLAG_SQL)).isEqualTo("bitget_stoploss_missing|1");
    // a new incident id on PostgreSQL does not collide with the copied ones
    sim.exchange().cancelStopsFromOutside("9002", "ETHUSDT", "long");
    assertThat(run(onPg(), "", "check").exit()).isEqualTo(1);
    assertThat(Psql.query(pg, "SELECT count(*) FROM incidents;")).isEqualTo("3");

    // and back: PostgreSQL to a new SQLite file
    Path back = home.resolve("back.db");
    assertThat(run(env, "", "db", "copy", "--from", pg, "--to", back.toString()).exit()).isZero();
    assertThat(Sqlite3.query(back, "SELECT count(*) FROM incidents;")).isEqualTo("3");
  }

  @Test
  void badUrlsRefusedConnectionsUnknownUsersAndNewerSchemasAreOneLineEachAndWriteNothing() throws Exception {
    CliRun bad = run(Map.of("STOPGUARD_HOME", home.toString(), "STOPGUARD_DB", "postgresql://nohost"), "", "flags");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err().strip()).startsWith("stopguard flags: STOPGUARD_DB: not a PostgreSQL URL").doesNotContain("\n");

    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    CliRun refused = run(Map.of("STOPGUARD_HOME", home.toString(), "STOPGUARD_DB",
        "postgresql://postgres:hunter2@127.0.0.1:" + closed + "/x"), "", "flags");
    assertThat(refused.exit()).isEqualTo(3);
    assertThat(refused.err().strip()).contains("cannot open database postgresql://postgres@127.0.0.1:" + closed + "/x")
        .contains("is PostgreSQL running").doesNotContain("hunter2").doesNotContain("\n").doesNotContain("Exception");

    CliRun nobody = run(Map.of("STOPGUARD_HOME", home.toString(), "STOPGUARD_DB",
        pg.replace("postgres@", "nobody@")), "", "flags");
    assertThat(nobody.exit()).isEqualTo(3);
    assertThat(nobody.err().strip()).contains("role \"nobody\" does not exist").contains("wrong user or password")
        .doesNotContain("\n");

    assertThat(run(onPg(), "", "db", "migrate").out()).contains("schema at version");
    Psql.query(pg, "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
        + " installed_by, installed_on, execution_time, success) VALUES (99, '99', 'future', 'SQL', 'V99__f.sql', 0, 'x', now(), 0, true);"
        + " UPDATE store_meta SET value = '99' WHERE name = 'readable_from';"); // a schema this binary cannot live with
    CliRun newer = run(onPg(), "", "flags");
    assertThat(newer.exit()).isEqualTo(3);
    assertThat(newer.err().strip()).contains("schema version 99, newer than this stopguard").doesNotContain("\n");
    assertThat(Psql.query(pg, "SELECT count(*) FROM risk_flags;")).isEqualTo("0");
  }

  @Test
  void thePasswordComesFromPgpassNeverFromArgv() throws Exception {
    Path pgpass = home.resolve("pgpass");
    Files.writeString(pgpass, "# host:port:db:user:password\n*:*:*:postgres:from-the-passfile\n");
    // pgjdbc reads the passfile: this property first, then $PGPASSFILE, then ~/.pgpass (a process's own environment)
    System.setProperty("org.postgresql.pgpassfile", pgpass.toString());
    try {
      Database db = Database.parse(pg, Map.of());
      assertThat(db.password()).isEqualTo("from-the-passfile");
      assertThat(db.toString()).doesNotContain("from-the-passfile");
      assertThat(Database.parse(pg, Map.of("PGPASSWORD", "env-pw")).password()).isEqualTo("env-pw");
    } finally {
      System.clearProperty("org.postgresql.pgpassfile");
    }
    assertThat(Database.parse(pg.replace("postgres@", "postgres:inline@") + "?sslmode=disable", Map.of()))
        .satisfies(d -> {
          assertThat(d.password()).isEqualTo("inline");
          assertThat(d.jdbcUrl()).endsWith("?sslmode=disable");
        });
  }

  /** An SSL refusal says SSL (not "is PostgreSQL running?"), and the URL it prints keeps its sslmode. */
  @Test
  void anSslRefusalIsNamedAndTheUrlKeepsItsSslmode() {
    Map<String, String> env = new HashMap<>(onPg());
    env.put("STOPGUARD_DB", pg + "?sslmode=require"); // this server has no SSL
    CliRun r = run(env, "", "flags");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("?sslmode=require").contains("SSL").doesNotContain("is PostgreSQL running");
    assertThat(r.err().strip().lines()).hasSize(1);
  }

  @Test
  void watchRestoresThroughPostgresAndNightlyChecksIt() throws Exception {
    addKeys(onPg());
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    Path log = home.resolve("watch.log");
    ProcessBuilder pb = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "watch", "--restore", "on", "--grace", "0.2",
        "--shard", "0/1", "--listen", "127.0.0.1:0").redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(onPg()); // a static shard: without --shard, a PostgreSQL store makes it a fleet member
    pb.environment().remove("TELEGRAM_BOT_TOKEN");
    Process watch = pb.start();
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("account(s), restore"));
      // A second watcher on another host (here: another home) sharing the database is refused.
      Path otherHome = Files.createDirectories(home.resolve("other-host"));
      Map<String, String> other = new HashMap<>(onPg());
      other.put("STOPGUARD_HOME", otherHome.toString());
      Files.copy(home.resolve("master.key"), otherHome.resolve("master.key"));
      CliRun second = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20),
          () -> run(other, "", "watch", "--shard", "0/1", "--listen", "127.0.0.1:0")); // refused at once, or it would run on
      assertThat(second.exit()).isEqualTo(2);
      assertThat(second.err()).contains("another stopguard watch is running shard 0/1 against postgresql://postgres@")
          .contains("perhaps on another host");
      await().atMost(Duration.ofSeconds(30))
          .until(() -> sim.exchange().countPlans("9001", "BTCUSDT", "long", "pos_loss") == 1
              && sim.exchange().countPlans("9002", "ETHUSDT", "short", "pos_loss") == 1);
      await().atMost(Duration.ofSeconds(15))
          .until(() -> Psql.query(pg, FLAG_SQL).equals("bitget_stoploss_missing|0"));
      assertThat(Psql.query(pg, "SELECT state, count(*) FROM incidents GROUP BY state;")).isEqualTo("restored|2");
      assertThat(Psql.query(pg, "SELECT count(*) FROM audit_log WHERE result = 'ok';")).isEqualTo("2");

      // The shard is a lease row on the database's clock: written over by another watcher (here: by
      // hand), this one stops at its next renewal rather than double up.
      Psql.query(pg, "UPDATE fleet_locks SET owner = 'another-host-1-x', expires_at = now() + interval '1 hour'"
          + " WHERE name = 'watch shard 0/1';");
      assertThat(watch.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(watch.exitValue()).isEqualTo(3);
      assertThat(Files.readString(log)).contains("another watcher took this shard");
    } finally {
      watch.destroy();
      assertThat(watch.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(Files.readString(log)).contains("stopguard watch: stopping").doesNotContain("Exception");

    CliRun nightly = run(onPg(), "", "nightly");
    assertThat(nightly.exit()).as(nightly.out() + nightly.err()).isIn(0, 1);
    assertThat(Files.readString(home.resolve("logs/test_results.log"))).contains("✅ database_integrity");
    assertThat(nightly.err()).doesNotContain("Exception");
  }

  /**
   * A static shard's host vanishes without a FIN (power, partition, VM freeze): its PostgreSQL
   * sessions live on at the server until TCP keepalive gives up (about 2 h 11 min by default). With
   * a session advisory lock, the shard's watcher restarted elsewhere was refused all that time. The
   * shard is a lease row now: the new watcher takes it once the lease ends, and restores.
   */
  @Test
  void aShardWhoseHostVanishedWithoutAFinIsTakenOverWhenItsLeaseEnds() throws Exception {
    addKeys(onPg());
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    int pgPort = Integer.parseInt(pg.replaceAll(".*:(\\d+)/.*", "$1"));
    try (TcpProxy link = new TcpProxy("127.0.0.1", pgPort)) {
      Map<String, String> viaLink = onPg();
      viaLink.put("STOPGUARD_DB", pg.replace(":" + pgPort + "/", ":" + link.port() + "/"));
      Process first = shardWatcher(javaBin, viaLink, home.resolve("first.log"));
      Process second = null;
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> sim.exchange().countPlans("9001", "BTCUSDT", "long", "pos_loss") == 1);
        link.cut(); // the host is gone: nothing more reaches the server, and no FIN either
        first.destroyForcibly().waitFor();
        sim.exchange().cancelStopsFromOutside("9001", "BTCUSDT", "long");

        Path otherHome = Files.createDirectories(home.resolve("other-host"));
        Files.copy(home.resolve("master.key"), otherHome.resolve("master.key"));
        Map<String, String> other = onPg();
        other.put("STOPGUARD_HOME", otherHome.toString());
        Path log = otherHome.resolve("watch.log");
        second = shardWatcher(javaBin, other, log);
        Process s = second;
        try {
          await().atMost(Duration.ofSeconds(30)).until(() -> !s.isAlive()
              || sim.exchange().countPlans("9001", "BTCUSDT", "long", "pos_loss") == 1);
        } catch (ConditionTimeoutException e) {
          throw new AssertionError("not restored by the shard's new watcher:\n" + Files.readString(log), e);
        }
        assertThat(second.isAlive()).as(Files.readString(log)).isTrue();
        assertThat(sim.exchange().countPlans("9001", "BTCUSDT", "long", "pos_loss")).isEqualTo(1);
      } finally {
        first.destroyForcibly();
        if (second != null) {
          second.destroy();
          second.waitFor(20, TimeUnit.SECONDS);
        }
      }
    }
  }

  private Process shardWatcher(String javaBin, Map<String, String> e, Path log) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "watch", "--restore", "on", "--grace", "0.2", "--shard", "0/1", "--lease-ttl", "4", "--interval", "2",
        "--listen", "127.0.0.1:0").redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(e);
    pb.environment().remove("TELEGRAM_BOT_TOKEN");
    return pb.start();
  }

  @Test
  void aWrongPasswordIsOneLineAndTheRightOneFromPgpasswordWorks() throws Exception {
    // The embedded server trusts local connections; this role alone must give a password (scram).
    Psql.query(pg, "CREATE ROLE secured LOGIN PASSWORD 'right-one'; GRANT ALL ON DATABASE " + pg.substring(pg.lastIndexOf('/') + 1)
        + " TO secured; GRANT ALL ON SCHEMA public TO secured;");
    Path hba = Path.of(Psql.query(pg, "SHOW hba_file;"));
    String rules = Files.readString(hba);
    if (!rules.contains(" secured ")) Files.writeString(hba, "host all secured 127.0.0.1/32 scram-sha-256\n" + rules);
    Psql.query(pg, "SELECT pg_reload_conf();");
    String url = pg.replace("postgres@", "secured@");

    CliRun wrong = run(Map.of("STOPGUARD_HOME", home.toString(), "STOPGUARD_DB", url, "PGPASSWORD", "not-the-password-42"),
        "", "flags");
    assertThat(wrong.exit()).isEqualTo(3);
    assertThat(wrong.err().strip()).contains("password authentication failed for user \"secured\"")
        .contains("wrong user or password").doesNotContain("not-the-password-42").doesNotContain("\n");

    CliRun right = run(Map.of("STOPGUARD_HOME", home.toString(), "STOPGUARD_DB", url, "PGPASSWORD", "right-one"), "", "flags");
    assertThat(right.exit()).as(right.err()).isZero();
    assertThat(right.out()).contains("no flags yet");
  }
}
