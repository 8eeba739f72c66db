package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NightlyAndOpsTest {
  @TempDir
  Path home;
  SimServer sim;
  Map<String, String> env = new HashMap<>();

  @BeforeEach
  void start() {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0);
    env.put("STOPGUARD_HOME", home.toString());
    env.put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    CliRun.run(env, "s1\np1\n", "keys", "add", "--user", "556251171", "--exchange", "bitget", "--api-key", "bg_k1");
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  @Test
  void nightlyWritesOneLinePerCheckWithTheRunbooksNames() throws Exception {
    CliRun r = CliRun.run(env, "", "nightly");
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
    List<String> lines = Files.readAllLines(home.resolve("logs/test_results.log"));
    assertThat(lines).hasSize(6);
    String iso = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ ";
    assertThat(lines.get(0)).matches(iso + "❌ run_risk_monitor check stoploss_missing=\\[556251171:BTCUSDT:LONG]");
    assertThat(lines.get(1)).matches(iso + "✅ test_bitget_stop_orders 1 stop orders on 1 account\\(s\\), 1 dry-run restore\\(s\\) valid");
    assertThat(lines.get(2)).matches(iso + "✅ bitget_keys .*");
    assertThat(lines.get(3)).matches(iso + "✅ bitget_clock_skew [+-]\\d+ ms .*");
    assertThat(lines.get(4)).matches(iso + "✅ database_integrity PRAGMA integrity_check: ok");
    assertThat(lines.get(5)).matches(iso + "✅ metrics_file .*");

    // protected: all green, appended
    sim.exchange().closePosition("556251171", "BTCUSDT", "long");
    assertThat(CliRun.run(env, "", "nightly").exit()).isZero();
    assertThat(Files.readAllLines(home.resolve("logs/test_results.log"))).hasSize(12)
        .element(6).asString().contains("✅ run_risk_monitor check stoploss_missing=[]");
  }

  /** A symlink planted where the results log goes is never written through: nightly fails and says so. */
  @Test
  void nightlyNeverWritesThroughAPlantedSymlink() throws Exception {
    Path elsewhere = home.resolve("elsewhere.txt");
    Files.writeString(elsewhere, "precious\n");
    Files.createDirectories(home.resolve("logs"));
    Files.createSymbolicLink(home.resolve("logs/test_results.log"), elsewhere);
    CliRun r = CliRun.run(env, "", "nightly");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("test_results.log");
    assertThat(Files.readString(elsewhere)).isEqualTo("precious\n");
  }

  @Test
  void cronLineIsFoundByTheRunbooksGrep() throws Exception {
    CliRun printed = CliRun.run(env, "", "install-cron");
    assertThat(printed.out()).contains("run_nightly_bitget_checks").contains("STOPGUARD_HOME=" + home).startsWith("17 3 * * * root ");

    Path crontab = home.resolve("crontab");
    Files.writeString(crontab, "SHELL=/bin/sh\n0 0 * * * root old-stuff run_nightly_bitget_checks\n");
    assertThat(CliRun.run(env, "", "install-cron", "--write", "--crontab", crontab.toString(), "--schedule", "5 4 * * *").exit())
        .isZero();
    List<String> lines = Files.readAllLines(crontab);
    assertThat(lines).hasSize(2).first().isEqualTo("SHELL=/bin/sh");
    assertThat(lines.get(1)).startsWith("5 4 * * * root").contains("run_nightly_bitget_checks");
    Process grep = new ProcessBuilder("grep", "run_nightly_bitget_checks", crontab.toString()).start();
    assertThat(grep.waitFor()).isZero();
    assertThat(CliRun.run(env, "", "install-cron", "--schedule", "bad").exit()).isEqualTo(2);
  }

  @Test
  void healthReportHasIncidentsTimeToRestoreNightlyAndKeys() throws Exception {
    CliRun.run(env, "", "nightly");
    sim.exchange().closePosition("556251171", "BTCUSDT", "long");
    CliRun.run(env, "", "nightly");
    CliRun r = CliRun.run(env, "", "health-report");
    assertThat(r.exit()).isZero();
    Path file = Path.of(r.out().strip().substring("wrote ".length()));
    assertThat(file.getFileName().toString()).matches("INFRA_HEALTH_\\d{4}Q[1-4]\\.md");
    String text = Files.readString(file);
    assertThat(text).contains("- Total: 1 (open: 0)").contains("MISSING 1").contains("resolved 1")
        .contains("Time to restore (ended incidents, n=1): p50").contains("| run_risk_monitor check | 1 | 1 |")
        .contains("| 556251171 | bitget | bg_k**** | yes |");
    assertThat(CliRun.run(env, "", "health-report", "--quarter", "2026Q5").exit()).isEqualTo(2);
  }
}
