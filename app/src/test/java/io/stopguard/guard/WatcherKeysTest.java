package io.stopguard.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.TestScenarios;
import io.stopguard.alert.Alerting;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys added or deactivated while the guard runs are picked up. */
class WatcherKeysTest {
  static final String SCENARIO = TestScenarios.text("two-accounts-one-bare");

  @TempDir
  Path home;

  @Test
  void accountsComeAndGo() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0);
        Store store = Store.open(home.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key")))) {
      store.keys().put("1", "bitget", "k1", "s1", "p1", false);
      StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 8, Policy.DEFAULT);
      StopguardMetrics metrics = new StopguardMetrics();
      CheckService service = new CheckService(store, check, Policy.DEFAULT, Alerting.none(), metrics, null,
          new IncidentLog(home.resolve("docs/incident_log.md")), Clock.systemUTC());
      WatchSettings settings = WatchSettings.DEFAULT.withRestore(WatchSettings.Restore.OFF).withGrace(Duration.ZERO)
          .withKeyRefresh(Duration.ofMillis(200)).withWebSocket(false).withParallelism(4);
      try (Watcher w = Watcher.builder(store, check, service).metrics(metrics).settings(settings).webSocket(sim.webSocketUrl()).time(Timebase.system()).build()) {
        w.start();
        assertThat(w.accountCount()).isEqualTo(1);
        store.keys().put("2", "bitget", "k2", "s2", "p2", false);
        await().atMost(Duration.ofSeconds(5)).until(() -> w.accountCount() == 2);
        // the new account's bare SOL short is found and flagged
        await().atMost(Duration.ofSeconds(5)).until(() -> {
          return store.flag(Store.FLAG_STOPLOSS_MISSING).map(f -> f.value() == 1).orElse(false);
        });
        store.keys().setActive("2", "bitget", null, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> w.accountCount() == 1);
        assertThat(w.health()).extracting(a -> a.userId()).containsExactly("1");
        await().atMost(Duration.ofSeconds(5)).until(() -> {
          return store.flag(Store.FLAG_STOPLOSS_MISSING).map(f -> f.value() == 0).orElse(false);
        });
      }
    }
  }
}
