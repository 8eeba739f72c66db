package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.sim.FakeTelegram;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static shards on SQLite share one home and so one alert outbox. Each shard delivered all of it,
 * so a message could go out twice. One shard at a time delivers now (the home's delivery lock), and
 * when it stops, another takes over.
 */
class ShardDeliveryTest {
  static final int ACCOUNTS = 8;

  @TempDir
  Path home;

  @Test
  void twoShardsInOneHomeSendEachAlertOnceAndTheOtherTakesOverDelivery() throws Exception {
    StringBuilder scenario = new StringBuilder("accounts:\n");
    StringBuilder csv = new StringBuilder("user_id,exchange,api_key,secret,passphrase\n");
    for (int i = 0; i < ACCOUNTS; i++) {
      scenario.append("  - {uid: \"").append(610000 + i).append("\", apiKey: bg_s").append(i).append(", secretKey: s").append(i)
          .append(", passphrase: p").append(i).append(",\n     positions: [{symbol: BTCUSDT, holdSide: long, total: \"0.01\",")
          .append(" openPriceAvg: \"94000\", leverage: 10}]}\n");
      csv.append(610000 + i).append(",bitget,bg_s").append(i).append(",s").append(i).append(",p").append(i).append('\n');
    }
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario.toString())), 0);
        FakeTelegram telegram = new FakeTelegram()) {
      Map<String, String> env = Map.of("STOPGUARD_HOME", home.toString(), "STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
      assertThat(CliRun.run(env, csv.toString(), "keys", "import", "--format", "csv").exit()).isZero();
      List<Process> shards = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) shards.add(shard(i, sim, telegram));
        // every bare position restored, and its 🚨 and ✅ delivered
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> telegram.received().stream()
            .filter(m -> m.text().startsWith("✅")).count() >= ACCOUNTS);
        Thread.sleep(2_000); // a second sender would have sent its copies by now
        assertNoMessageTwice(telegram.received());
        assertThat(telegram.received()).hasSize(2 * ACCOUNTS);

        // the delivering shard stops: the other delivers the next alerts
        int d = Files.readString(home.resolve("shard-1.log")).contains("this shard delivers") ? 1 : 0;
        assertThat(Files.readString(home.resolve("shard-" + d + ".log"))).contains("this shard delivers");
        assertThat(Files.readString(home.resolve("shard-" + (1 - d) + ".log"))).doesNotContain("this shard delivers");
        Process deliverer = shards.get(d);
        deliverer.destroy();
        assertThat(deliverer.waitFor(15, TimeUnit.SECONDS)).isTrue();
        int before = telegram.received().size();
        // the stopped shard's accounts are nobody's now (static shards): the other shard restores its own
        long survivors = IntStream.range(0, ACCOUNTS)
            .filter(i -> Math.floorMod(Integer.toString(610000 + i).hashCode(), 2) == 1 - d).count();
        assertThat(survivors).isPositive();
        for (int i = 0; i < ACCOUNTS; i++) sim.exchange().cancelStopsFromOutside(Integer.toString(610000 + i), "BTCUSDT", "long");
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
            .until(() -> telegram.received().stream().skip(before).filter(m -> m.text().startsWith("✅")).count() >= survivors);
        Thread.sleep(2_000);
        assertNoMessageTwice(telegram.received().subList(before, telegram.received().size())); // a new episode's texts repeat the first's
        assertThat(Files.readString(home.resolve("shard-" + (1 - d) + ".log"))).contains("this shard delivers");
      } finally {
        for (Process p : shards) p.destroy();
        for (Process p : shards) p.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  private Process shard(int i, SimServer sim, FakeTelegram telegram) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "watch", "--restore", "on", "--grace", "0.2", "--shard", i + "/2", "--listen", "127.0.0.1:0")
        .redirectErrorStream(true).redirectOutput(home.resolve("shard-" + i + ".log").toFile());
    pb.environment().put("STOPGUARD_HOME", home.toString());
    pb.environment().put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    pb.environment().put("TELEGRAM_BOT_TOKEN", "123456:shard-test-token");
    pb.environment().put("TELEGRAM_CHAT_ID", "-100777");
    pb.environment().put("TELEGRAM_API_URL", telegram.url());
    return pb.start();
  }

  private static void assertNoMessageTwice(List<FakeTelegram.Received> received) {
    Map<String, Long> copies = received.stream()
        .collect(Collectors.groupingBy(FakeTelegram.Received::text, Collectors.counting()));
    assertThat(copies).allSatisfy((text, n) -> assertThat(n).as(text).isEqualTo(1L));
  }
}
