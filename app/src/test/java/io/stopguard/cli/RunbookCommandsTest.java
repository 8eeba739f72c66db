package io.stopguard.cli;

import io.stopguard.bitget.IpBudget;
import io.stopguard.guard.WatchLock;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every runbook command against the simulator from a fresh home directory. */
class RunbookCommandsTest {
  // Marks: BTCUSDT 95000.0, ETHUSDT 3500.00, DASHUSDT 68.50, SOLUSDT 180.000, XRPUSDT 2.3000.
  static final String SCENARIO = """
      accounts:
        - uid: "556251171"
          apiKey: bg_k1
          secretKey: s1
          passphrase: p1
          posMode: one_way_mode
          positions:
            - {symbol: DASHUSDT, holdSide: short, total: "0.21", openPriceAvg: "68.10", leverage: 10, marginMode: isolated}
            - {symbol: BTCUSDT, holdSide: long, total: "0.0150", openPriceAvg: "94000.0", leverage: 20}
            - {symbol: SOLUSDT, holdSide: long, total: "10.0", openPriceAvg: "185.000", leverage: 10}
            - {symbol: XRPUSDT, holdSide: short, total: "1000", openPriceAvg: "2.2000", leverage: 5}
          planOrders:
            # wrong side: a long's stop above the mark (Bitget has accepted such stops before)
            - {symbol: SOLUSDT, planType: pos_loss, holdSide: long, triggerPrice: "181.000"}
            # beyond liquidation: a short's stop above its liquidation price (2.2000 x 1.196 = 2.6312)
            - {symbol: XRPUSDT, planType: pos_loss, holdSide: short, triggerPrice: "2.7000"}
            # partial: covers 0.0100 of 0.0150
            - {symbol: BTCUSDT, planType: loss_plan, holdSide: long, size: "0.0100", triggerPrice: "90000.0"}
        - uid: "9002"
          apiKey: bg_k2
          secretKey: s2
          passphrase: p2
          posMode: hedge_mode
          positions:
            - {symbol: ETHUSDT, holdSide: short, total: "0.50", openPriceAvg: "3600.00", leverage: 5}
          planOrders:
            # a stop for the long side, which has no position: the short is bare
            - {symbol: ETHUSDT, planType: pos_loss, holdSide: long, triggerPrice: "3300.00"}
      """;

  @TempDir
  Path home;
  SimServer sim;
  Map<String, String> env = new HashMap<>();
  final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void start() {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0);
    env.put("STOPGUARD_HOME", home.toString());
    env.put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    assertThat(runIn("s1\np1\n", "keys", "add", "--user", "556251171", "--exchange", "bitget", "--api-key", "bg_k1").exit()).isZero();
    assertThat(runIn("s2\np2\n", "keys", "add", "--user", "9002", "--exchange", "bitget", "--api-key", "bg_k2").exit()).isZero();
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  CliRun runIn(String stdin, String... args) {
    return CliRun.run(env, stdin, args);
  }

  CliRun run(String... args) {
    return runIn("", args);
  }

  @Test
  void everyVerdictKindEndToEnd() throws Exception {
    CliRun check = run("check", "-v");
    assertThat(check.exit()).isEqualTo(1);
    assertThat(check.out()).isEqualTo("stoploss_missing=[556251171:BTCUSDT:LONG, 556251171:DASHUSDT:SHORT, "
        + "556251171:SOLUSDT:LONG, 556251171:XRPUSDT:SHORT, 9002:ETHUSDT:SHORT]\n");
    assertThat(check.err()).contains("556251171:BTCUSDT:LONG UNDERSIZED", "556251171:DASHUSDT:SHORT MISSING",
        "556251171:SOLUSDT:LONG WRONG_SIDE", "556251171:XRPUSDT:SHORT BEYOND_LIQUIDATION", "9002:ETHUSDT:SHORT HOLD_SIDE_MISMATCH");

    JsonNode report = run("check", "--json").json();
    Map<String, String> verdicts = new HashMap<>();
    report.get("positions").forEach(p -> verdicts.put(p.get("key").asText(), p.get("verdict").asText()));
    assertThat(verdicts).containsEntry("556251171:BTCUSDT:LONG", "UNDERSIZED")
        .containsEntry("556251171:DASHUSDT:SHORT", "MISSING")
        .containsEntry("556251171:SOLUSDT:LONG", "WRONG_SIDE")
        .containsEntry("556251171:XRPUSDT:SHORT", "BEYOND_LIQUIDATION")
        .containsEntry("9002:ETHUSDT:SHORT", "HOLD_SIDE_MISMATCH");
    assertThat(report.get("positions").get(0).get("size").isTextual()).isTrue(); // exact decimals as strings
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT value FROM risk_flags WHERE flag='bitget_stoploss_missing';"))
        .isEqualTo("1");
  }

  @Test
  void checkForOneUserDoesNotTouchTheFlag() throws Exception {
    CliRun r = run("check", "--user", "9002");
    assertThat(r.out()).isEqualTo("stoploss_missing=[9002:ETHUSDT:SHORT]\n");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT count(*) FROM risk_flags;")).isEqualTo("0");
    assertThat(run("check", "--user", "nobody").exit()).isEqualTo(3);
  }

  @Test
  void positionsTableAndJson() throws Exception {
    CliRun r = run("positions", "--user", "556251171", "--exchange", "bitget");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("DASHUSDT").contains("SHORT").contains("0.21").contains("68.10").contains("74.63")
        .contains("MISSING").contains("WRONG_SIDE");
    JsonNode all = run("positions", "--json").json();
    assertThat(all).hasSize(5);
    assertThat(run("positions", "--exchange", "binance").exit()).isEqualTo(2);
  }

  @Test
  void stopOrdersDryRunShowsTheExactRestoreOrder() throws Exception {
    CliRun r = run("stop-orders", "--symbol", "DASHUSDT", "--direction", "SHORT", "--dry-run");
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.out()).contains("MISSING").contains("stop orders: none")
        .contains("POST /api/v2/mix/order/place-tpsl-order")
        .contains("\"planType\":\"pos_loss\"").contains("\"holdSide\":\"sell\"")
        .contains("\"triggerPrice\":\"74.25\""); // 10 % from 68.10 = 74.91, clamped below liquidation 74.63
    assertThat(sim.exchange().countPlans("556251171", "DASHUSDT", "short", "pos_loss")).isZero(); // nothing sent

    JsonNode j = run("stop-orders", "--symbol", "SOLUSDT", "--direction", "LONG", "--dry-run", "--json").json();
    assertThat(j.get(0).get("verdict").asText()).isEqualTo("WRONG_SIDE");
    // the wrong-side stop is moved, not doubled: the dry run shows the cancel before the placement (one-way)
    assertThat(j.get(0).get("restore").get("action").asText()).isEqualTo("replace");
    assertThat(j.get(0).get("restore").get("cancel").asText()).startsWith("POST /api/v2/mix/order/cancel-plan-order orderId ");
    assertThat(run("stop-orders", "--symbol", "SOLUSDT", "--direction", "LONG", "--dry-run").out())
        .contains("a restore would move the stop").contains("cancel-plan-order").contains("place-tpsl-order");

    assertThat(run("stop-orders", "--symbol", "DASHUSDT", "--direction", "SIDEWAYS").exit()).isEqualTo(2);
    assertThat(run("stop-orders", "--symbol", "DASHUSDT", "--direction", "LONG", "--user", "556251171").out())
        .contains("no open LONG position on DASHUSDT");
  }

  @Test
  void placeStopValidatesPlacesConfirmsAndAudits() throws Exception {
    // the runbook's example: DASHUSDT SHORT 0.21 at 70.43
    CliRun dry = run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT",
        "--amount", "0.21", "--stop-price", "70.43", "--dry-run");
    assertThat(dry.exit()).as(dry.err()).isZero();
    assertThat(dry.out()).contains("\"triggerPrice\":\"70.43\"");
    assertThat(sim.exchange().countPlans("556251171", "DASHUSDT", "short", "pos_loss")).isZero();

    CliRun placed = run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT",
        "--amount", "0.21", "--stop-price", "70.43");
    assertThat(placed.exit()).as(placed.err()).isZero();
    assertThat(placed.out()).contains("placed pos_loss DASHUSDT SHORT trigger 70.43").contains("orderId=")
        .contains("clientOid=sg-").contains("confirmed in orders-plan-pending");
    assertThat(sim.exchange().countPlans("556251171", "DASHUSDT", "short", "pos_loss")).isEqualTo(1);
    assertThat(Sqlite3.query(home.resolve("trading.db"),
        "SELECT actor LIKE 'cli:%', action, plan_type, trigger_price, result FROM audit_log WHERE symbol='DASHUSDT';"))
        .isEqualTo("1|place|pos_loss|70.43|ok");
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT stop_price FROM intended_stops WHERE symbol='DASHUSDT';"))
        .isEqualTo("70.43");

    // the same again: refused before sending, nothing doubled
    CliRun twice = run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT",
        "--stop-price", "70.43");
    assertThat(twice.exit()).isEqualTo(2);
    assertThat(twice.err()).contains("already has a pos_loss at 70.43").contains("--replace");
    assertThat(sim.exchange().countPlans("556251171", "DASHUSDT", "short", "pos_loss")).isEqualTo(1);

    // --replace moves it: in one-way mode by cancel and a fresh placement (see StopPlacer.replaceOneWay)
    CliRun moved = run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT",
        "--stop-price", "71.00", "--replace");
    assertThat(moved.exit()).as(moved.err()).isZero();
    assertThat(moved.out()).contains("replaced pos_loss DASHUSDT SHORT trigger 71.00");
    assertThat(sim.exchange().countPlans("556251171", "DASHUSDT", "short", "pos_loss")).isEqualTo(1);

    assertThat(run("check", "--user", "556251171", "--json").out()).contains("\"556251171:DASHUSDT:SHORT\"")
        .doesNotContain("\"verdict\" : \"MISSING\"");
  }

  @Test
  void placeStopRefusesBadStopsBeforeSending() {
    assertRefused(run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT",
        "--stop-price", "68.00"), "above the mark price 68.50");
    assertRefused(run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT",
        "--stop-price", "75.00"), "beyond the liquidation price 74.63");
    assertRefused(run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT",
        "--stop-price", "70.435"), "nearest safe price is 70.43");
    assertRefused(run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT",
        "--stop-price", "70.43", "--amount", "0.30"), "more than the position's 0.21");
    assertRefused(run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "LONG",
        "--stop-price", "60.00"), "no open LONG position on DASHUSDT");
    assertRefused(run("place-stop", "--user", "nobody", "--symbol", "DASHUSDT", "--direction", "SHORT",
        "--stop-price", "70.43"), "no active bitget key");
    assertRefused(run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT",
        "--stop-price", "abc"), "stop-price");
    assertThat(sim.exchange().countPlans("556251171", "DASHUSDT", "short", "pos_loss")).isZero();
  }

  @Test
  void partialAmountPlacesALossPlanAndBitgetErrorsShowCodeAndHint() {
    CliRun partial = run("place-stop", "--user", "556251171", "--symbol", "BTCUSDT", "--direction", "LONG",
        "--amount", "0.0050", "--stop-price", "90000.0");
    assertThat(partial.exit()).as(partial.err()).isZero();
    assertThat(partial.out()).contains("placed loss_plan BTCUSDT LONG").contains("size 0.0050");
    assertThat(run("check", "--user", "556251171", "-v").err()).doesNotContain("BTCUSDT:LONG UNDERSIZED");

    // the mark moves between our check and Bitget's: Bitget's own code and the catalogue's hint are shown
    sim.exchange().setMarkPrice("DASHUSDT", new BigDecimal("69.00"));
    CliRun r = run("place-stop", "--user", "556251171", "--symbol", "DASHUSDT", "--direction", "SHORT", "--stop-price", "70.43");
    assertThat(r.exit()).isZero(); // still valid at 69.00
  }

  @Test
  void flagsAndKeysCommands() {
    run("check");
    CliRun flags = run("flags");
    assertThat(flags.exit()).isZero();
    assertThat(flags.out()).contains("bitget_stoploss_missing").contains("stoploss_missing=[");

    CliRun verify = run("keys", "verify");
    assertThat(verify.exit()).as(verify.out()).isZero();
    assertThat(verify.out()).contains("556251171 bg_k****: ok").contains("clock skew");

    assertThat(runIn("s1\nWRONG\n", "keys", "reset", "--user", "9002", "--api-key", "bg_k2").exit()).isZero();
    CliRun bad = run("keys", "verify", "--user", "9002");
    assertThat(bad.exit()).isEqualTo(3);
    assertThat(bad.out()).contains("FAILED").contains("40012").doesNotContain("WRONG");
    assertThat(runIn("s2\np2\n", "keys", "reset", "--user", "9002", "--api-key", "bg_k2").exit()).isZero();
    assertThat(run("keys", "verify", "--user", "9002").exit()).isZero();
    assertThat(runIn("s\np\n", "keys", "reset", "--user", "9002", "--api-key", "nope").exit()).isEqualTo(2);

    assertThat(run("keys", "deactivate", "--user", "9002").out()).contains("deactivated 1");
    assertThat(run("keys", "list").out()).containsPattern("9002 +bitget +bg_k\\*\\*\\*\\* +0");
    assertThat(run("check").out()).doesNotContain("9002:");
    assertThat(run("keys", "deactivate", "--user", "ghost").exit()).isEqualTo(2);
  }

  @Test
  void everyNewCommandHasHelpAndRejectsNonsense() {
    for (String c : new String[] {"positions", "stop-orders", "place-stop", "flags", "keys verify", "keys deactivate",
        "keys reset"}) {
      String[] args = (c + " --help").split(" ");
      CliRun r = run(args);
      assertThat(r.exit()).as(c).isZero();
      assertThat(r.out()).contains("Usage:");
      CliRun bad = run((c + " --nonsense").split(" "));
      assertThat(bad.exit()).as(c).isEqualTo(2);
      assertThat(bad.err()).doesNotContain("\tat ");
    }
    // an empty symbol is a usage error (exit 2), not "no open SHORT position on  for any active key" (exit 1)
    for (String[] c : new String[][] {{"stop-orders", "--symbol", "", "--direction", "SHORT"},
        {"place-stop", "--user", "556251171", "--symbol", " ", "--direction", "SHORT", "--stop-price", "70"}}) {
      CliRun empty = run(c);
      assertThat(empty.exit()).as(c[0] + ": " + empty.err()).isEqualTo(2);
      assertThat(empty.err()).contains("--symbol").contains("a contract such as DASHUSDT");
    }
  }

  @Test
  void watchRefusesLimitsBeyondBitgetsPerIpCapsAndBadShards() {
    assertRefused(run("watch", "--shard", "3/3"), "--shard must be I/N");
    assertRefused(run("watch", "--shard", "x"), "--shard must be I/N");
    assertRefused(run("watch", "--ws-connections", "101"), "Bitget's limit per IP");
    assertRefused(run("watch", "--ip-requests-per-minute", "6001"), "Bitget's limit per IP");
    assertThat(run("watch", "--help").out()).contains("--shard").contains("6000 REST requests a minute");
  }

  @Test
  void aRunningWatcherKeepsItsShardAndLeavesOneOffCommandsASmallShareOfTheIp() {
    assertThat(ExchangeOptions.oneOffBudget(WatchLock.anyHeld(home)).requestsPerSecond()).isEqualTo(90.0);
    try (WatchLock held = WatchLock.tryAcquire(home, 0, 1)) {
      assertThat(held).isNotNull();
      assertRefused(run("watch", "--listen", "127.0.0.1:0"), "another stopguard watch is running shard 0/1");
      // 5400 - 4800 requests a minute: the watcher's default leaves 10 requests/s to one-off commands.
      assertThat(ExchangeOptions.oneOffBudget(WatchLock.anyHeld(home)).requestsPerSecond()).isEqualTo(10.0);
      CliRun check = run("check");
      assertThat(check.exit()).as("one-off commands still work beside a watcher: " + check.err()).isIn(0, 1);
      assertThat(check.out()).contains("stoploss_missing=");
    }
    assertThat(ExchangeOptions.oneOffBudget(WatchLock.anyHeld(home)).requestsPerSecond()).isEqualTo(90.0);
  }

  @Test
  void aCheckThatBitgetsBudgetMakesLongSaysSoFirst() {
    assertThat(CheckCommand.slowNotice(2, IpBudget.bitget(), false)).isNull();
    assertThat(CheckCommand.slowNotice(10_000, IpBudget.bitget(), false))
        .isEqualTo("stopguard check: 10,000 accounts at 90 requests/s (Bitget allows 6000 requests per IP a minute): about 4 min");
    assertThat(CheckCommand.slowNotice(1_000, ExchangeOptions.oneOffBudget(true), true))
        .contains("a watcher runs in this home").endsWith("about 3 min");
  }

  private static void assertRefused(CliRun r, String mentions) {
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.err()).contains(mentions).doesNotContain("\tat ");
    assertThat(r.err().lines().count()).isLessThanOrEqualTo(2);
  }
}
