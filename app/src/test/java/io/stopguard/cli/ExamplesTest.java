package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every drill scenario under examples/ prints the `check` line its `# expect:` comment promises. */
class ExamplesTest {
  static final Path EXAMPLES = Path.of("../examples");

  @TempDir
  Path home;

  static List<Path> scenarios() throws Exception {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  static String expected(Path scenario) throws Exception {
    return Files.readAllLines(scenario).stream().filter(l -> l.startsWith("# expect: ")).findFirst()
        .map(l -> l.substring("# expect: ".length())).orElseThrow(() -> new AssertionError(scenario + " has no # expect: line"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void checkPrintsWhatTheScenarioPromises(Path file) throws Exception {
    Scenario scenario = Scenario.load(file);
    try (SimServer sim = SimServer.start(scenario, 0)) {
      Map<String, String> env = new HashMap<>(Map.of("STOPGUARD_HOME", home.toString(),
          "STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString()));
      for (Scenario.AccountSpec a : scenario.accounts()) {
        Map<String, String> withSecret = new HashMap<>(env);
        withSecret.put("BITGET_API_SECRET", a.secretKey());
        withSecret.put("BITGET_API_PASSPHRASE", a.passphrase());
        CliRun add = CliRun.run(withSecret, "", "keys", "add", "--user", a.uid(), "--exchange", "bitget", "--api-key", a.apiKey());
        assertThat(add.exit()).as(add.err()).isZero();
      }
      CliRun check = CliRun.run(env, "", "check", "-v");
      assertThat(check.out().strip()).as(check.err()).isEqualTo(expected(file));
      assertThat(check.exit()).isEqualTo(1);
    }
  }

  @Test
  void theDrillsKeyFileImportsTheDrillsAccounts() throws Exception {
    Path drill = EXAMPLES.resolve("drill.yaml");
    try (SimServer sim = SimServer.start(Scenario.load(drill), 0)) {
      Map<String, String> env = Map.of("STOPGUARD_HOME", home.toString(), "STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
      CliRun imported = CliRun.run(env, "", "keys", "import", "--file", EXAMPLES.resolve("drill-keys.csv").toString(), "--verify");
      assertThat(imported.exit()).as(imported.err()).isZero();
      assertThat(imported.out()).contains("added 5");
      CliRun check = CliRun.run(env, "", "check");
      assertThat(check.out().strip()).isEqualTo(expected(drill));
      CliRun wrong = CliRun.run(env, "", "check", "-v");
      assertThat(wrong.err()).contains("700200:SOLUSDT:LONG WRONG_SIDE").contains("700300:BTCUSDT:LONG BEYOND_LIQUIDATION");
    }
  }

  @Test
  void placeStopEndsTheIncidentAndLowersTheFlagWhenItWasTheLastBarePosition() throws Exception {
    Path drill = EXAMPLES.resolve("drill.yaml");
    try (SimServer sim = SimServer.start(Scenario.load(drill), 0)) {
      Map<String, String> env = Map.of("STOPGUARD_HOME", home.toString(), "STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
      assertThat(CliRun.run(env, "", "keys", "import", "--file", EXAMPLES.resolve("drill-keys.csv").toString()).exit()).isZero();
      assertThat(CliRun.run(env, "", "check").exit()).isEqualTo(1);
      Path db = home.resolve("trading.db");
      String flag = "SELECT value FROM risk_flags WHERE flag = 'bitget_stoploss_missing'";

      // one of four fixed: the incident ends, the flag stays up and says which remain
      CliRun first = CliRun.run(env, "", "place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT",
          "--stop-price", "70.43");
      assertThat(first.exit()).as(first.err()).isZero();
      assertThat(first.out()).contains("risk_flags: bitget_stoploss_missing = 1 (other bare positions: stoploss_missing=["
          + "700100:ETHUSDT:SHORT, 700200:SOLUSDT:LONG, 700300:BTCUSDT:LONG])");
      assertThat(Sqlite3.query(db, flag)).isEqualTo("1");
      assertThat(Sqlite3.query(db, "SELECT state FROM incidents WHERE user_id = '556251171'")).isEqualTo("restored");

      // the other three: the last one lowers the flag, without another check
      CliRun a = CliRun.run(env, "", "place-stop", "--user", "700100", "--symbol", "ETHUSDT", "--direction", "SHORT",
          "--stop-price", "3800.00");
      CliRun b = CliRun.run(env, "", "place-stop", "--user", "700200", "--symbol", "SOLUSDT", "--direction", "LONG",
          "--stop-price", "170.000", "--replace");
      assertThat(a.exit()).as(a.err()).isZero();
      assertThat(b.exit()).as(b.err()).isZero();
      assertThat(Sqlite3.query(db, flag)).isEqualTo("1");
      CliRun last = CliRun.run(env, "", "place-stop", "--user", "700300", "--symbol", "BTCUSDT", "--direction", "LONG",
          "--stop-price", "94000.0", "--replace");
      assertThat(last.exit()).as(last.err()).isZero();
      assertThat(last.out()).contains("risk_flags: bitget_stoploss_missing = 0");
      assertThat(Sqlite3.query(db, flag)).isEqualTo("0");
      assertThat(Sqlite3.query(db, "SELECT count(*) FROM incidents WHERE state IN ('open', 'restoring')")).isEqualTo("0");
      assertThat(CliRun.run(env, "", "check").out().strip()).isEqualTo("stoploss_missing=[]");
    }
  }
}
