package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir
  Path home;

  @Test
  void demoTellsTheWholeStory() throws Exception {
    CliRun r = CliRun.run(Map.of(), "", "demo", "--home", home.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("stoploss_missing=[556251171:BTCUSDT:LONG]")
        .contains("🚨 Bitget stop-loss отсутствует")
        .contains("risk_flags: bitget_stoploss_missing = 1")
        .contains("restored and confirmed in orders-plan-pending")
        .contains("back on the exchange after")
        .contains("stoploss_missing=[]")
        .contains("bitget_stoploss_missing 0.0")
        .contains("— restored")
        .doesNotContain("\u001b["); // no colour when not on a terminal
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT value FROM risk_flags WHERE flag='bitget_stoploss_missing';"))
        .isEqualTo("0");
    assertThat(Files.readString(home.resolve("docs/incident_log.md"))).contains("by watch");
  }
}
