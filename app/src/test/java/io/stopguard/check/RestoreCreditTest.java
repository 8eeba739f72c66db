package io.stopguard.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.TestScenarios;
import io.stopguard.alert.Alerting;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.IpBudget;
import io.stopguard.bitget.Position;
import io.stopguard.bitget.TpslOrder;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.restore.ClientOids;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Incident;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who restored a stop. A watcher SIGKILLed after its placement left but before its audit row was
 * written left a stop with no row saying so: it was credited to "external" (14 of 144 restores
 * under bench/chaos's kills). The stop carries the clientOid the guard derives for the incident,
 * which is proof enough.
 */
class RestoreCreditTest {
  @TempDir
  Path dir;

  @Test
  void aStopWithTheIncidentsClientOidAndNoAuditRowIsTheGuardsRestore() {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(
        TestScenarios.text("runbook-user-one-bare"))), 0);
        Store store = Store.open(dir.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")))) {
      store.keys().put("556251171", "bitget", "bg_k1", "s1", "p1", false);
      StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 4, Policy.DEFAULT, IpBudget.bitget());
      CheckService service = new CheckService(store, check, Policy.DEFAULT,
          Alerting.console(new PrintStream(new ByteArrayOutputStream(), true), "ru"), new StopguardMetrics(), null,
          new IncidentLog(dir.resolve("incident_log.md")), Clock.systemUTC());

      service.run(); // the bare position: an incident opens
      Incident incident = store.incidents().open().getFirst();
      // the dead watcher's placement: the incident's clientOid, and no audit row
      ExchangeKey key = store.keys().active("bitget").usable().getFirst();
      BitgetClient client = check.client(key);
      Position p = client.allPositions().stream().filter(x -> x.symbol().equals(incident.symbol())).findFirst().orElseThrow();
      String oid = ClientOids.forRestore(client.baseUrl().toString(), "556251171", p, incident.id(), incident.detectedAt(),
          incident.oidGeneration());
      client.placeTpslOrder(TpslOrder.positionStopLoss(p.symbol(), p.holdSide(), p.posMode(), new BigDecimal("91000"), oid));

      service.run();
      assertThat(store.incidents().byId(incident.id()).orElseThrow().restoredBy()).isEqualTo("watch");
    }
  }
}
