package io.stopguard.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.TestScenarios;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.Credentials;
import io.stopguard.cli.CliRun;
import io.stopguard.cli.Main;
import io.stopguard.sim.Faults;
import io.stopguard.sim.Fidelity;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * `stopguard probe` against the simulator set to each variant of every unknown: it must name the
 * variant, and leave no position or order behind — also when a step fails midway, or on SIGINT.
 */
class ProbeTest {
  /** BTCUSDT's mark wanders (0.01 % steps) so a "positions push on mark move" can be seen. */
  static final String SCENARIO = TestScenarios.text("probe-accounts-one-way-and-hedge");

  @TempDir
  Path dir;

  static Stream<Fidelity> variants() {
    return Fidelity.everyVariant().stream();
  }

  static Probe probe(SimServer sim, String key, String secret, String pass, String symbol) {
    BitgetClient client = BitgetClient.builder().baseUrl(sim.baseUrl()).credentials(new Credentials(key, secret, pass)).build();
    return new Probe(client, new Credentials(key, secret, pass), sim.webSocketUrl(), new Probe.Settings(symbol, 1200, false), line -> { });
  }

  /** Nothing of the probe's on the exchange: no BTCUSDT position, no plan order of 7001/7002 on it. */
  static void assertNothingLeft(SimExchange ex) {
    assertThat(ex.positionStops().keySet()).noneMatch(k -> k.contains("BTCUSDT"));
    for (String uid : List.of("7001", "7002")) {
      for (String side : List.of("long", "short")) {
        for (String type : List.of("pos_loss", "normal_plan", "pos_profit", "loss_plan")) {
          assertThat(ex.countPlans(uid, "BTCUSDT", side, type)).as(uid + " " + side + " " + type).isZero();
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void namesTheVariantOfEveryUnknownAndLeavesNothing(Fidelity variant) {
    try (SimServer sim = SimServer.start(Scenario.parse(SCENARIO).with(variant), 0)) {
      ProbeReport report = probe(sim, "bg_p1", "ps1", "pp1", "BTCUSDT").run();
      assertThat(report.leftovers()).isEmpty();
      assertThat(report.observedVariants()).as(report.findings().toString()).isEqualTo(variant.asMap());
      assertThat(report.untested()).as(report.findings().toString()).isEmpty();
      assertThat(report.verdict()).isEqualTo("stopguard is correct for every observed behaviour");
      assertThat(report.exchanges()).isNotEmpty().allSatisfy(e -> assertThat(e.toString()).doesNotContain("ps1").doesNotContain("pp1"));
      assertNothingLeft(sim.exchange());
      assertThat(sim.exchange().positionStops()).containsKey("7001:ETHUSDT:long"); // the account's own position untouched
      assertThat(report.findings()).anySatisfy(f -> assertThat(f.unknown() + " " + f.observed())
          .isEqualTo("positionModeSwitch not allowed now: 400172 Parameter verification failed: the position mode cannot be changed"
              + " with open positions or orders (the account holds positions or orders elsewhere)"));
    }
  }

  @Test
  void onAHedgeAccountTheOneWayConventionIsNotApplicable() {
    try (SimServer sim = SimServer.start(Scenario.parse(SCENARIO), 0)) {
      ProbeReport report = probe(sim, "bg_p2", "ps2", "pp2", "BTCUSDT").run();
      assertThat(report.leftovers()).isEmpty();
      Map<String, String> expected = new LinkedHashMap<>(Fidelity.DEFAULT.asMap());
      expected.remove("oneWaySide");
      assertThat(report.observedVariants()).isEqualTo(expected);
      assertThat(report.unsettled()).containsExactly("oneWaySide");
      assertThat(report.findings()).anySatisfy(f -> assertThat(f.unknown() + " " + f.observed())
          .isEqualTo("positionModeSwitch switched to one_way_mode and back"));
      assertNothingLeft(sim.exchange());
    }
  }

  @Test
  void aStepThatFailsMidwayStillCleansUp() {
    try (SimServer sim = SimServer.start(Scenario.parse(SCENARIO), 0)) {
      // The modify step gets a proxy's HTML page: the run stops there, with a stop and a position open.
      sim.faults().set("/api/v2/mix/order/modify-tpsl-order", new Faults.Spec(0, 0, 0, 0, 1.0, 0, 0));
      ProbeReport report = probe(sim, "bg_p1", "ps1", "pp1", "BTCUSDT").run();
      assertThat(report.findings()).anyMatch(f -> f.unknown().equals("error") && f.observed().contains("modify the stop"));
      assertThat(report.leftovers()).isEmpty();
      assertNothingLeft(sim.exchange());
    }
  }

  @Test
  void aSymbolTheAccountUsesIsRefusedAndNotTouched() {
    try (SimServer sim = SimServer.start(Scenario.parse(SCENARIO), 0)) {
      assertThatThrownBy(() -> probe(sim, "bg_p1", "ps1", "pp1", "ETHUSDT").run()).isInstanceOf(ProbeRefusal.class)
          .hasMessageContaining("holds a long position on ETHUSDT");
      assertThat(sim.exchange().positionStops()).containsEntry("7001:ETHUSDT:long", 0L);
    }
  }

  @Test
  void sigintAtARandomStepLeavesNothingBehind() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    try (SimServer sim = SimServer.start(Scenario.parse(SCENARIO), 0)) {
      Map<String, String> env = Map.of("STOPGUARD_HOME", dir.toString(), "STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
      assertThat(CliRun.run(env, "ps1\npp1\n", "keys", "add", "--user", "7001", "--exchange", "bitget", "--api-key", "bg_p1",
          "--demo").exit()).isZero();
      for (int round = 0; round < 2; round++) {
        long delayMs = 600 + random.nextInt(2500); // the JVM's start, then somewhere in the script
        Path log = dir.resolve("probe-" + round + ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
            System.getProperty("java.class.path"), Main.class.getName(), "probe", "--user", "7001", "--observe", "2"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        Thread.sleep(delayMs);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(log);
        assertThat(out).as("seed " + seed + ", SIGINT after " + delayMs + " ms:\n" + out).doesNotContain("LEFT BEHIND");
        assertNothingLeft(sim.exchange());
        if (out.contains("probe: interrupted")) assertThat(out).contains("cleaned up: nothing left on BTCUSDT");
      }
    }
  }

  @Test
  void aLiveKeyIsRefusedWithoutTheFlagAndWatchWarnsUntilAProbeIsRecorded() {
    try (SimServer sim = SimServer.start(Scenario.parse(SCENARIO), 0)) {
      Map<String, String> env = Map.of("STOPGUARD_HOME", dir.toString(), "STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
      CliRun.run(env, "ps1\npp1\n", "keys", "add", "--user", "7001", "--exchange", "bitget", "--api-key", "bg_p1");
      CliRun refused = CliRun.run(env, "", "probe", "--user", "7001");
      assertThat(refused.exit()).isEqualTo(2);
      assertThat(refused.err()).contains("LIVE key").contains("--live-i-understand");
      assertNothingLeft(sim.exchange());
      assertThat(ProbeRecord.anyFor(dir, sim.baseUrl())).isFalse();
      CliRun live = CliRun.run(env, "", "probe", "--user", "7001", "--live-i-understand", "--observe", "1");
      assertThat(live.exit()).as(live.out() + live.err()).isZero();
      assertThat(live.out()).contains("stopguard is correct for every observed behaviour").contains("secondPosLoss");
      assertThat(ProbeRecord.anyFor(dir, sim.baseUrl())).isTrue();
      assertNothingLeft(sim.exchange());
      // --json: stdout is one JSON document (jq reads it); the verdict goes to stderr
      CliRun json = CliRun.run(env, "", "probe", "--user", "7001", "--live-i-understand", "--observe", "1", "--json");
      assertThat(json.exit()).as(json.err()).isZero();
      try {
        ObjectMapper m = new ObjectMapper();
        JsonParser p = m.getFactory().createParser(json.out());
        assertThat(m.readTree(p).path("findings").isArray()).isTrue();
        assertThat(p.nextToken()).as("nothing after the document").isNull();
      } catch (IOException e) {
        throw new AssertionError("not one JSON document: " + json.out(), e);
      }
      assertThat(json.err()).contains("stopguard is correct for every observed behaviour");
      assertNothingLeft(sim.exchange());
    }
  }
}
