package io.stopguard.cli;

import io.stopguard.metrics.StopguardMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** deploy/: Prometheus alert rules under promtool's own unit tests, the Grafana dashboard, systemd units. */
class DeployFilesTest {
  static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

  @Test
  void alertRulesPassPromtoolsUnitTests() throws Exception {
    Path dir = DEPLOY.resolve("prometheus");
    assertThat(Promtool.run(dir, "check", "rules", "stopguard.rules.yml")).contains("SUCCESS");
    assertThat(Promtool.run(dir, "test", "rules", "tests/stopguard.rules.test.yml")).contains("SUCCESS");
  }

  @Test
  void theScrapeExampleIsPrometheusSyntaxAndTheRoutingExampleNamesOnlyReceiversAndAlertsThatExist() throws Exception {
    Path dir = DEPLOY.resolve("prometheus");
    assertThat(Promtool.run(dir, "check", "config", "--syntax-only", "prometheus.yml")).contains("SUCCESS");
    JsonNode am = new ObjectMapper(new YAMLFactory())
        .readTree(DEPLOY.resolve("alertmanager/alertmanager.yml").toFile());
    Set<String> receivers = new HashSet<>();
    am.get("receivers").forEach(r -> receivers.add(r.get("name").asText()));
    assertThat(receivers).contains(am.at("/route/receiver").asText());
    am.at("/route/routes").forEach(r -> assertThat(receivers).contains(r.get("receiver").asText()));
    String rules = Files.readString(dir.resolve("stopguard.rules.yml"));
    Matcher m = Pattern.compile("alertname=~?\\\"([A-Za-z|]+)\\\"").matcher(
        Files.readString(DEPLOY.resolve("alertmanager/alertmanager.yml")));
    int named = 0;
    while (m.find()) {
      for (String alert : m.group(1).split("\\|")) {
        assertThat(rules).as("alert %s routed in alertmanager.yml", alert).contains("- alert: " + alert + "\n");
        named++;
      }
    }
    assertThat(named).isGreaterThanOrEqualTo(4);
  }

  /** Every metric a panel asks for is one stopguard exports (a renamed metric would read "no data"). */
  @Test
  void everyMetricTheDashboardAsksForIsExported() throws Exception {
    JsonNode d = new ObjectMapper().readTree(DEPLOY.resolve("grafana/stopguard-dashboard.json").toFile());
    Set<String> exported = new HashSet<>();
    new StopguardMetrics().registry().scrape().forEach(s -> exported.add(s.getMetadata().getPrometheusName()));
    List<String> missing = new ArrayList<>();
    for (JsonNode p : d.get("panels")) {
      for (JsonNode t : p.path("targets")) {
        Matcher m = Pattern.compile("\\b((?:bitget|stopguard)_[a-z0-9_]+)").matcher(t.get("expr").asText());
        while (m.find()) {
          String name = m.group(1).replaceAll("_total$", "");
          if (!exported.contains(name) && !exported.contains(name.replaceAll("_info$", ""))) missing.add(p.get("title").asText() + ": " + m.group(1));
        }
      }
    }
    assertThat(missing).isEmpty();
    assertThat(d.toString()).contains("stopguard_fleet_accounts_owned", "stopguard_build_info");
  }

  @Test
  void dashboardIsValidJsonOverOurMetrics() throws Exception {
    JsonNode d = new ObjectMapper().readTree(DEPLOY.resolve("grafana/stopguard-dashboard.json").toFile());
    assertThat(d.get("panels")).isNotEmpty();
    assertThat(d.toString()).contains("bitget_stoploss_missing", "bitget_position_protected",
        "stopguard_last_successful_check_timestamp_seconds", "stopguard_unguarded_accounts", "stopguard_restores_failing");
  }

  @Test
  void nightlyUnitsAndCronScriptNameTheRunbooksJob() throws Exception {
    assertThat(Files.readString(DEPLOY.resolve("systemd/stopguard-nightly.service"))).contains("run_nightly_bitget_checks");
    assertThat(Files.readString(DEPLOY.resolve("systemd/stopguard-nightly.timer"))).contains("OnCalendar=");
    Path script = DEPLOY.resolve("cron/run_nightly_bitget_checks");
    assertThat(Files.isExecutable(script)).isTrue();
    assertThat(Files.readString(script)).contains("stopguard\" nightly");
  }
}
