package io.stopguard.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watch process that cannot start leaves nothing behind: its port already taken, the start fails
 * with the reason, and the home's watch lock and the store are let go (a second try may start).
 */
class WatchProcessStartTest {
  @TempDir
  Path home;

  @Test
  void aStartThatFailsHalfWayReleasesTheLockAndTheStore() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Store store = Store.open(home.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key")));
      WatchLock lock = WatchLock.tryAcquire(home, 0, 1);
      assertThat(lock).isNotNull();
      StopguardMetrics metrics = new StopguardMetrics();
      Alerting alerting = Alerting.console(new PrintStream(new ByteArrayOutputStream(), true), "en");
      StopLossCheck check = new StopLossCheck(URI.create("http://127.0.0.1:9"), Duration.ofSeconds(1), 4, Policy.DEFAULT,
          IpBudget.unlimited());
      CheckService service = new CheckService(store, check, Policy.DEFAULT, alerting, metrics, null,
          new IncidentLog(home.resolve("docs/incident_log.md")), Clock.systemUTC());
      WatchProcess.Config config = new WatchProcess.Config(home, store, lock, check, service, Policy.DEFAULT, alerting, metrics,
          WatchSettings.DEFAULT.withWebSocket(false), URI.create("ws://127.0.0.1:9/ws"), IpBudget.unlimited(),
          new WatchProcess.Serving(new InetSocketAddress("127.0.0.1", taken.getLocalPort()), null, null, "en"), null, "test",
          15, () -> { });
      assertThatThrownBy(() -> WatchProcess.start(config, Timebase.system()))
          .isInstanceOf(UncheckedIOException.class).hasMessageContaining("cannot listen on");
      try (WatchLock again = WatchLock.tryAcquire(home, 0, 1)) {
        assertThat(again).as("the home's watch lock was let go").isNotNull();
      }
      assertThatThrownBy(store::flags).as("the store was closed").isNotNull();
      check.close();
    }
  }
}
