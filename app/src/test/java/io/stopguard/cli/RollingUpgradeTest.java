package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.PgServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling upgrade of a fleet on a real PostgreSQL, with two builds: this one, and a newer one that
 * carries one more (additive) migration. The newer instance migrates the shared schema while an old
 * one guards on; the old one, restarted before its host is upgraded, starts on the newer schema
 * (it says so) and guards; stops cancelled on both sides come back exactly once.
 */
class RollingUpgradeTest {
  static final int ACCOUNTS = 6;
  static final int TTL = 6;

  @TempDir
  Path dir;

  static String scenario() {
    return FleetFailoverTest.scenario(810000, "bg_u", ACCOUNTS);
  }

  Process instance(String name, int n, String classpath, SimServer sim, String pg, String masterKey) throws Exception {
    return FleetProcess.start(dir, name, n, classpath, TTL, sim, pg, masterKey);
  }

  static String ownerOf(String pg, String user) throws Exception {
    return FleetProcess.owner(pg, user);
  }

  /** Cancels the stop of an account {@code pid} guards and waits for it to be back, once. */
  void cancelAndAwaitRestore(SimServer sim, String pg, long pid) throws Exception {
    String user = null;
    for (int i = 0; i < ACCOUNTS && user == null; i++) {
      if (ownerOf(pg, Integer.toString(810000 + i)).contains("-" + pid + "-")) user = Integer.toString(810000 + i);
    }
    assertThat(user).as("an account owned by " + pid).isNotNull();
    String u = user;
    sim.exchange().cancelStopsFromOutside(u, "BTCUSDT", "long");
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
        .until(() -> sim.exchange().countPlans(u, "BTCUSDT", "long", "pos_loss") == 1);
  }

  @Test
  void anOldInstanceKeepsGuardingAndRestartsWhileANewerOneMigratesTheSharedSchema() throws Exception {
    String pg = PgServer.newDatabase();
    String masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
    // the newer build: this one plus an additive migration (expand only), and the version it makes LATEST
    Path newer = dir.resolve("newer-build");
    Files.createDirectories(newer.resolve("db/migration/common"));
    int next = Integer.parseInt(Files.readString(Path.of("src/main/resources/db/migration/LATEST")).strip()) + 1;
    Files.writeString(newer.resolve("db/migration/LATEST"), next + "\n");
    Files.writeString(newer.resolve("db/migration/common/V" + next + "__expand_only.sql"),
        "ALTER TABLE incidents ADD COLUMN upgrade_note TEXT;\n");
    String oldCp = System.getProperty("java.class.path");
    String newCp = newer + File.pathSeparator + oldCp;
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario())), 0)) {
      StringBuilder csv = new StringBuilder("user_id,exchange,api_key,secret,passphrase\n");
      for (int i = 0; i < ACCOUNTS; i++) csv.append(810000 + i).append(",bitget,bg_u").append(i).append(",s").append(i).append(",p").append(i).append('\n');
      Map<String, String> admin = new HashMap<>(Map.of("STOPGUARD_HOME", Files.createDirectories(dir.resolve("admin")).toString(),
          "STOPGUARD_DB", pg, "STOPGUARD_MASTER_KEY", masterKey, "STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString()));
      assertThat(CliRun.run(admin, csv.toString(), "keys", "import", "--format", "csv").exit()).isZero();
      Process a = instance("old", 1, oldCp, sim, pg, masterKey);
      Process b = instance("old", 2, oldCp, sim, pg, masterKey);
      Process b2 = null;
      Process a2 = null;
      try {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(300)).until(() ->
            Psql.query(pg, "SELECT count(*) FROM lease_status WHERE owner IS NOT NULL AND expires_at > now();").strip()
                .equals(Integer.toString(ACCOUNTS)) && !ownerOf(pg, "810000").isEmpty());
        // upgrade host 2: stop it, start the newer build there; it migrates the shared schema
        b.destroy();
        assertThat(b.waitFor(20, TimeUnit.SECONDS)).isTrue();
        b2 = instance("new", 2, newCp, sim, pg, masterKey);
        await().atMost(Duration.ofSeconds(30)).until(() ->
            Psql.query(pg, "SELECT max(version::int) FROM flyway_schema_history;").strip().equals(Integer.toString(next)));
        // host 1 still runs the old build: it guards on
        cancelAndAwaitRestore(sim, pg, a.pid());
        // and restarts before its host is upgraded: it starts on the newer schema, says so, and guards
        a.destroy();
        assertThat(a.waitFor(20, TimeUnit.SECONDS)).isTrue();
        a2 = instance("old-restarted", 1, oldCp, sim, pg, masterKey);
        long pid = a2.pid();
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(300)).until(() -> {
          for (int i = 0; i < ACCOUNTS; i++) if (ownerOf(pg, Integer.toString(810000 + i)).contains("-" + pid + "-")) return true;
          return false;
        });
        assertThat(Files.readString(dir.resolve("host1/old-restarted.log"))).contains("newer than this stopguard's")
            .contains("running; upgrade this host").doesNotContain("Exception");
        cancelAndAwaitRestore(sim, pg, pid);
        cancelAndAwaitRestore(sim, pg, b2.pid());
        Thread.sleep(2000);
        for (int i = 0; i < ACCOUNTS; i++) {
          assertThat(sim.exchange().countPlans(Integer.toString(810000 + i), "BTCUSDT", "long", "pos_loss"))
              .as("exactly one stop on " + (810000 + i)).isEqualTo(1);
        }
        assertThat(CliRun.run(admin, "", "fleet", "--lease-ttl", Integer.toString(TTL)).out())
            .as("both versions side by side").contains("VERSION").contains(" 0.3.0 ");
      } finally {
        for (Process p : new Process[] {a, b, a2, b2}) {
          if (p != null) {
            p.destroy();
            p.waitFor(15, TimeUnit.SECONDS);
          }
        }
      }
    }
  }
}
