package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.TestScenarios;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.TpslOrder;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Scenario → simulator over HTTP → `stopguard check` → stdout, exit code, trading.db read by sqlite3. */
class CheckCommandTest {
  static final String SCENARIO = TestScenarios.text("one-way-and-hedge-two-bare");
  static final String FLAG_SQL = "SELECT flag, value FROM risk_flags WHERE flag='bitget_stoploss_missing';";

  @TempDir
  Path home;
  SimServer sim;
  Map<String, String> env = new HashMap<>();

  @BeforeEach
  void start() {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0);
    env.put("STOPGUARD_HOME", home.toString());
    env.put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  CliRun addKey(String user, String key, String secret, String pass) {
    return CliRun.run(env, secret + "\n" + pass + "\n", "keys", "add", "--user", user, "--exchange", "bitget", "--api-key", key);
  }

  @Test
  void findsUnprotectedPositionsAndRaisesTheFlag() throws Exception {
    assertThat(addKey("9001", "bg_k1", "s1", "p1").exit()).isZero();
    assertThat(addKey("9002", "bg_k2", "s2", "p2").exit()).isZero();

    CliRun check = CliRun.run(env, "", "check");
    assertThat(check.out()).isEqualTo("stoploss_missing=[9001:BTCUSDT:LONG, 9002:ETHUSDT:SHORT]\n");
    assertThat(check.exit()).isEqualTo(1);
    assertThat(Sqlite3.query(home.resolve("trading.db"), FLAG_SQL)).isEqualTo("bitget_stoploss_missing|1");

    // protect both; the next check clears the flag
    BitgetClient c1 = BitgetClient.builder().baseUrl(sim.baseUrl()).credentials(new Credentials("bg_k1", "s1", "p1")).build();
    c1.placeTpslOrder(TpslOrder.positionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY, new BigDecimal("90000.0"), null));
    BitgetClient c2 = BitgetClient.builder().baseUrl(sim.baseUrl()).credentials(new Credentials("bg_k2", "s2", "p2")).build();
    c2.placeTpslOrder(TpslOrder.positionStopLoss("ETHUSDT", HoldSide.SHORT, PosMode.HEDGE, new BigDecimal("3700.00"), null));

    CliRun again = CliRun.run(env, "", "check");
    assertThat(again.out()).isEqualTo("stoploss_missing=[]\n");
    assertThat(again.exit()).isZero();
    assertThat(Sqlite3.query(home.resolve("trading.db"), FLAG_SQL)).isEqualTo("bitget_stoploss_missing|0");
  }

  @Test
  void aFailedAccountLeavesTheFlagAsItWas() throws Exception {
    addKey("9001", "bg_k1", "s1", "p1");
    assertThat(CliRun.run(env, "", "check").exit()).isEqualTo(1);
    addKey("9002", "bg_k2", "WRONG-SECRET", "p2");

    CliRun check = CliRun.run(env, "", "check");
    assertThat(check.exit()).isEqualTo(3);
    assertThat(check.out()).isEmpty();
    assertThat(check.err().lines()).singleElement().satisfies(l -> assertThat(l)
        .contains("incomplete").contains("user 9002").contains("40009").doesNotContain("WRONG-SECRET"));
    assertThat(Sqlite3.query(home.resolve("trading.db"), FLAG_SQL)).isEqualTo("bitget_stoploss_missing|1");
  }

  @Test
  void unreachableExchangeIsIncomplete() throws Exception {
    addKey("9001", "bg_k1", "s1", "p1");
    sim.close();
    CliRun check = CliRun.run(env, "", "check", "--timeout", "2");
    assertThat(check.exit()).isEqualTo(3);
    assertThat(check.err()).contains("connection refused").doesNotContain("\tat ");
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT count(*) FROM risk_flags;")).isEqualTo("0");
    sim = SimServer.start(new SimExchange(), 0); // for @AfterEach
  }

  @Test
  void noKeysIsIncompleteNotAllClear() {
    CliRun check = CliRun.run(env, "", "check");
    assertThat(check.exit()).isEqualTo(3);
    assertThat(check.out()).isEmpty();
    assertThat(check.err()).contains("no active Bitget keys").contains("keys add");
  }

  @Test
  void keysAreStoredEncryptedAndNeverShown() throws Exception {
    assertThat(addKey("556251171", "bg_secretive", "my-very-secret", "my-pass").out()).doesNotContain("my-very-secret");
    CliRun list = CliRun.run(env, "", "keys", "list");
    assertThat(list.exit()).isZero();
    assertThat(list.out()).contains("556251171").contains("bg_s****").doesNotContain("bg_secretive")
        .doesNotContain("my-very-secret").doesNotContain("my-pass");
    Path db = home.resolve("trading.db");
    assertThat(Sqlite3.query(db, "SELECT user_id, exchange_name, is_active FROM user_exchange_keys WHERE exchange_name='bitget';"))
        .isEqualTo("556251171|bitget|1");
    assertThat(Files.readString(db, StandardCharsets.ISO_8859_1)).doesNotContain("my-very-secret");
    assertThat(Files.getPosixFilePermissions(db)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Files.getPosixFilePermissions(home.resolve("master.key")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  }

  @Test
  void secretsFromEnvironment() {
    env.put("BITGET_API_SECRET", "s1");
    env.put("BITGET_API_PASSPHRASE", "p1");
    assertThat(CliRun.run(env, "", "keys", "add", "--user", "9001", "--exchange", "bitget", "--api-key", "bg_k1").exit()).isZero();
    assertThat(CliRun.run(env, "", "check").out()).isEqualTo("stoploss_missing=[9001:BTCUSDT:LONG]\n");
  }

  @Test
  void dbOptionOverridesHome() throws Exception {
    Path other = home.resolve("elsewhere/other.db");
    CliRun add = CliRun.run(env, "s1\np1\n", "keys", "add", "--db", other.toString(), "--user", "9001", "--exchange", "bitget",
        "--api-key", "bg_k1");
    assertThat(add.exit()).isZero();
    assertThat(CliRun.run(env, "", "check", "--db", other.toString()).exit()).isEqualTo(1);
    assertThat(Sqlite3.query(other, FLAG_SQL)).isEqualTo("bitget_stoploss_missing|1");
    assertThat(home.resolve("trading.db")).doesNotExist();
  }

  @Test
  void badInputIsOneLineAndExitTwo() {
    assertBad(CliRun.run(env, "", "keys", "add", "--user", "1", "--exchange", "bitget", "--api-key", "k"), "secret and passphrase");
    assertBad(CliRun.run(env, "s\np\n", "keys", "add", "--user", "1", "--exchange", "binance", "--api-key", "k"), "unsupported exchange");
    assertBad(CliRun.run(env, "s\np\n", "keys", "add", "--user", "a b", "--exchange", "bitget", "--api-key", "k"), "--user");
    assertBad(CliRun.run(env, "", "check", "--timeout", "0"), "--timeout");
    assertBad(CliRun.run(env, "", "check", "--bogus"), "Unknown option");
    assertBad(CliRun.run(env, "", "check", "--base-url", "not a url"), "not a URL");
    assertBad(CliRun.run(env, "", "sim", "--scenario", home.resolve("missing.yaml").toString()), "not found");
  }

  private static void assertBad(CliRun r, String mentions) {
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains(mentions).doesNotContain("\tat ").doesNotContain("Exception");
  }

  /** Every command and subcommand's --help renders without picocli's warnings (an unescaped % printed three). */
  @Test
  void everyHelpRendersCleanly() {
    List<String[]> paths = new ArrayList<>();
    collect(StopguardCommand.class, new String[0], paths);
    assertThat(paths.size()).isGreaterThan(15);
    PrintStream stderr = System.err;
    ByteArrayOutputStream picocli = new ByteArrayOutputStream();
    System.setErr(new PrintStream(picocli, true, StandardCharsets.UTF_8));
    try {
      for (String[] path : paths) {
        String[] args = Arrays.copyOf(path, path.length + 1);
        args[path.length] = "--help";
        CliRun r = CliRun.run(env, "", args);
        assertThat(r.exit()).as(String.join(" ", args)).isZero();
        assertThat(r.out()).as(String.join(" ", args)).contains("Usage:").doesNotContain("%n");
      }
    } finally {
      System.setErr(stderr);
    }
    assertThat(picocli.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
  }

  private static void collect(Class<?> command, String[] path, List<String[]> into) {
    CommandLine.Command c = command.getAnnotation(CommandLine.Command.class);
    // the top level registers its commands in Main (only the one named, for start-up time)
    Iterable<Class<?>> subs = command == StopguardCommand.class ? StopguardCommand.SUBCOMMANDS.values() : List.of(c.subcommands());
    for (Class<?> sub : subs) {
      CommandLine.Command s = sub.getAnnotation(CommandLine.Command.class);
      if (s == null || s.name().equals("help")) continue;
      String[] p = Arrays.copyOf(path, path.length + 1);
      p[path.length] = s.name();
      into.add(p);
      collect(sub, p, into);
    }
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] cmd : new String[][] {{"--help"}, {"check", "--help"}, {"keys", "--help"}, {"keys", "add", "--help"},
        {"keys", "list", "--help"}, {"sim", "--help"}, {"demo", "--help"}}) {
      CliRun r = CliRun.run(env, "", cmd);
      assertThat(r.exit()).as(String.join(" ", cmd)).isZero();
      assertThat(r.out()).contains("Usage:");
    }
  }
}
