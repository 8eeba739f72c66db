package io.stopguard.cli;

import io.stopguard.alert.Alerting;
import io.stopguard.check.CheckService;
import io.stopguard.config.Config;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.store.Store;
import java.nio.file.Path;
import java.time.Clock;

/** Wires a {@link CheckService} from the home, the config file and the environment. */
final class Services {
  private Services() {}

  static final String METRICS_FILE = "metrics/bitget_stoploss_missing.prom";

  static Path metricsFile(Cli cli, HomeOptions home, Config config) {
    String f = config.metricsOrEmpty().textfile();
    Path home0 = home.home(cli);
    return home0.resolve(f == null || f.isBlank() ? METRICS_FILE : f);
  }

  static Path incidentLog(Cli cli, HomeOptions home) {
    return home.home(cli).resolve("docs/incident_log.md");
  }

  static CheckService checkService(Cli cli, HomeOptions home, ExchangeOptions exchange, Store store, Config config,
      Alerting alerting, StopguardMetrics metrics) {
    return new CheckService(store, exchange.check(cli, home, config.riskPolicy()), config.riskPolicy(), alerting, metrics,
        metricsFile(cli, home, config), new IncidentLog(incidentLog(cli, home)), Clock.systemUTC());
  }
}
