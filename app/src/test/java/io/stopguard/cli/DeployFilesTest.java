package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
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
