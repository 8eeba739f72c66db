package io.stopguard.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.bitget.IpBudget;
import io.stopguard.guard.WatchSettings;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.PgServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep waits for a recorder slower than Bitget ({@code Watcher.recorderBehind}), but not for a
 * store that does not answer at all: a look that met the lock held its turn for 2 s, and had the
 * sweep waited on that, a polled account (no WebSocket to push the cancel) would not be looked at
 * until the store came back. Here PostgreSQL's tables that every look reads are locked by another
 * session, and a polled account's stop is cancelled meanwhile.
 */
class StalledStoreSweepTest {
  static final int ACCOUNTS = 12;

  @TempDir
  Path home;

  @Test
  void aPolledAccountsStopCancelledWhileTheStoreIsLockedIsRestoredBeforeTheLockGoes() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(FleetColdStartTest.scenario(ACCOUNTS))), 0)) {
      String url = PgServer.newDatabase();
      WatchSettings settings = WatchSettings.DEFAULT.withRestore(WatchSettings.Restore.ON).withGrace(Duration.ZERO)
          .withInterval(Duration.ofSeconds(1)).withWebSocket(false);
      try (FleetColdStartTest.Running r = FleetColdStartTest.start(home, sim, url, url, ACCOUNTS, IpBudget.of(40, 1, 300), settings)) {
        await().atMost(Duration.ofSeconds(30)).until(() -> r.watch().watcher().snapshot().size() == ACCOUNTS
            && r.watch().watcher().snapshot().stream().allMatch(a -> a.lastOk() != null));
        String db = url.substring(url.lastIndexOf('/') + 1);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + PgServer.get().getPort() + "/" + db,
            "postgres", ""); Statement st = c.createStatement()) {
          c.setAutoCommit(false);
          st.execute("LOCK TABLE position_status, incidents IN ACCESS EXCLUSIVE MODE"); // every look reads incidents
          Thread.sleep(4_000); // the store is known stalled by now
          long t0 = System.nanoTime();
          assertThat(sim.exchange().cancelStopsFromOutside("810", "BTCUSDT", "long")).isEqualTo(1);
          await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
              .until(() -> sim.exchange().countPlans("810", "BTCUSDT", "long", "pos_loss") == 1);
          long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
          assertThat(tookMs).as("a polled look and its placement while the store is locked (ms)").isLessThan(6_000);
          c.rollback();
        }
      }
    }
  }
}
