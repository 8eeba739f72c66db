package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir
  Path home;

  @Test
  void demoShowsTheBarePosition() throws Exception {
    CliRun r = CliRun.run(Map.of(), "", "demo", "--home", home.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("stoploss_missing=[556251171:BTCUSDT:LONG]")
        .contains("NO STOP-LOSS")
        .contains("bitget_stoploss_missing|1|");
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT value FROM risk_flags WHERE flag='bitget_stoploss_missing';"))
        .isEqualTo("1");
  }
}
