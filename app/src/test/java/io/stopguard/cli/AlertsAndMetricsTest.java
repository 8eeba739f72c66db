package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.TestScenarios;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.TpslOrder;
import io.stopguard.sim.FakeTelegram;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's surface end to end over real HTTP: simulator → check → alert received by a fake
 * Telegram → stop restored → exactly one recovery message; metrics accepted by the real promtool.
 */
class AlertsAndMetricsTest {
  static final String SCENARIO = TestScenarios.text("runbook-user-one-bare");

  @TempDir
  Path home;
  SimServer sim;
  FakeTelegram telegram;
  Map<String, String> env = new HashMap<>();

  @BeforeEach
  void start() throws IOException {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0);
    telegram = new FakeTelegram();
    env.put("STOPGUARD_HOME", home.toString());
    env.put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    env.put("TELEGRAM_BOT_TOKEN", "123:SECRET-TOKEN");
    env.put("TELEGRAM_CHAT_ID", "-100777");
    env.put("TELEGRAM_API_URL", telegram.url());
    assertThat(CliRun.run(env, "s1\np1\n", "keys", "add", "--user", "556251171", "--exchange", "bitget", "--api-key", "bg_k1")
        .exit()).isZero();
  }

  @AfterEach
  void stop() {
    sim.close();
    telegram.close();
  }

  CliRun check() {
    return CliRun.run(env, "", "check");
  }

  Path metrics() {
    return home.resolve("metrics/bitget_stoploss_missing.prom");
  }

  @Test
  void oneAlertOneRecoveryOneLogEntry() throws Exception {
    assertThat(check().exit()).isEqualTo(1);
    List<FakeTelegram.Received> got = telegram.received();
    assertThat(got).singleElement().satisfies(m -> {
      assertThat(m.text()).startsWith("🚨 Bitget stop-loss отсутствует");
      assertThat(m.text()).contains("556251171", "BTCUSDT LONG", "0.0150", "95000.0", "MISSING",
          "./stopguard place-stop --user 556251171 --symbol BTCUSDT --direction LONG --amount 0.0150 --stop-price 90124.4");
      assertThat(m.chatId()).isEqualTo("-100777");
      assertThat(m.parseMode()).isEqualTo("HTML");
    });

    // no repeat for the same incident
    assertThat(check().exit()).isEqualTo(1);
    assertThat(telegram.received()).hasSize(1);

    // restore the stop (as an operator would): exactly one recovery message
    BitgetClient c = BitgetClient.builder().baseUrl(sim.baseUrl()).credentials(new Credentials("bg_k1", "s1", "p1")).build();
    c.placeTpslOrder(TpslOrder.positionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY, new BigDecimal("90124.4"), null));
    assertThat(check().exit()).isZero();
    assertThat(check().exit()).isZero();
    assertThat(telegram.received()).hasSize(2);
    assertThat(telegram.received().get(1).text()).startsWith("✅ Bitget stop-loss восстановлен")
        .contains("BTCUSDT LONG").contains("pos_loss 90124.4").contains("Без защиты");

    String log = Files.readString(home.resolve("docs/incident_log.md"));
    assertThat(log.split("\n## ", -1)).hasSize(2); // the header and one entry
    assertThat(log).contains("556251171 BTCUSDT LONG — restored").contains("Time to restore:").contains("by external");
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT state, verdict FROM incidents;")).isEqualTo("restored|MISSING");
  }

  @Test
  void aClosedPositionResolvesTheIncident() throws Exception {
    check();
    sim.exchange().closePosition("556251171", "BTCUSDT", "long");
    assertThat(check().exit()).isZero();
    assertThat(telegram.received()).hasSize(2);
    assertThat(telegram.received().get(1).text()).startsWith("✅ Bitget: позиция закрыта");
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT state, resolution FROM incidents;"))
        .isEqualTo("resolved|position closed");
  }

  @Test
  void telegramDownDoesNotHoldBackTheCheckAndAlertsGoLaterInOrder() throws Exception {
    telegram.mode(FakeTelegram.Mode.HANG);
    long t0 = System.nanoTime();
    CliRun r = check();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(r.out()).isEqualTo("stoploss_missing=[556251171:BTCUSDT:LONG]\n");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(tookMs).as("bounded by the delivery budget (3 s), not by Telegram").isLessThan(15_000);
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT value FROM risk_flags;")).isEqualTo("1");
    assertThat(Files.readString(metrics())).contains("stopguard_alerts_queued 1.0");

    // Telegram is back; the position gets its stop meanwhile: alert first, then recovery, in order
    telegram.mode(FakeTelegram.Mode.OK);
    BitgetClient c = BitgetClient.builder().baseUrl(sim.baseUrl()).credentials(new Credentials("bg_k1", "s1", "p1")).build();
    c.placeTpslOrder(TpslOrder.positionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY, new BigDecimal("90124.4"), null));
    // the hung attempt backs the chat off; make the retry due now
    Sqlite3.query(home.resolve("trading.db"), "UPDATE alert_outbox SET next_attempt_at = '2000-01-01T00:00:00Z';");
    assertThat(check().exit()).isZero();
    assertThat(telegram.received()).extracting(m -> m.text().startsWith("🚨") ? "alert" : m.text().startsWith("✅") ? "recovery" : "?")
        .containsExactly("alert", "recovery");
    assertThat(Files.readString(metrics())).contains("stopguard_alerts_queued 0.0").contains("stopguard_alerts_sent_total 2.0");
  }

  /**
   * `watch` while Telegram fails (HTTP 500): /health says so within 15 s of the alert being queued,
   * the metric shows the wait, the log says it once; the alert arrives within 15 s of Telegram's
   * return (the retry back-off is capped at 10 s).
   */
  @Test
  void telegramDownUnderWatchIsToldWithin15sAndFlushedWithin15sOfItsReturn() throws Exception {
    telegram.mode(FakeTelegram.Mode.ERROR_500);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "watch", "--restore", "off", "--listen", "127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(home.resolve("watch.log").toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    HttpClient http = HttpClient.newHttpClient();
    Function<String, String> get = path -> {
      try {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
      } catch (Exception e) {
        return "";
      }
    };
    try {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
          Sqlite3.query(home.resolve("trading.db"), "SELECT count(*) FROM alert_outbox WHERE sent_at IS NULL;").equals("1"));
      long queued = System.nanoTime();
      Awaitility.await().atMost(Duration.ofSeconds(16)).pollInterval(Duration.ofMillis(250))
          .until(() -> get.apply("/health").contains("alerts are not being delivered"));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - queued)).isLessThanOrEqualTo(16_000);
      assertThat(get.apply("/health")).containsPattern("\"status\"\\s*:\\s*\"degraded\"");
      assertThat(get.apply("/metrics")).containsPattern("stopguard_alerts_oldest_undelivered_seconds [1-9]");

      telegram.mode(FakeTelegram.Mode.OK);
      long back = System.nanoTime();
      Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
          .until(() -> !telegram.received().isEmpty());
      System.out.println("Telegram back: the queued alert arrived " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back) + " ms later");
      assertThat(telegram.received()).singleElement().satisfies(m -> assertThat(m.text()).startsWith("🚨"));
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> !get.apply("/health").contains("alerts are not being delivered"));
      String log = Files.readString(home.resolve("watch.log"));
      assertThat(log.split("alerts are not being delivered", -1)).as("one line per outage").hasSize(2);
      assertThat(log).contains("alerts are delivered again").doesNotContain("SECRET-TOKEN");
    } finally {
      p.destroy();
      p.waitFor(15, TimeUnit.SECONDS);
    }
  }

  @Test
  void obeys429RetryAfterExactly() {
    telegram.tooManyRequests(1, 2);
    assertThat(check().exit()).isEqualTo(1);
    assertThat(telegram.received()).hasSize(1);
    List<Long> attempts = telegram.attempts();
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(1) - attempts.get(0)).isGreaterThanOrEqualTo(2_000);
  }

  @Test
  void englishByConfiguration() throws IOException {
    Files.writeString(home.resolve("stopguard.yaml"), "telegram:\n  language: en\n");
    check();
    assertThat(telegram.received()).singleElement().satisfies(m -> assertThat(m.text()).startsWith("🚨 Bitget stop-loss missing"));
  }

  @Test
  void noTokenNoTelegramAndNoSecretInOutput() {
    env.remove("TELEGRAM_BOT_TOKEN");
    CliRun r = check();
    assertThat(r.exit()).isEqualTo(1);
    assertThat(telegram.attempts()).isEmpty();
    env.put("TELEGRAM_BOT_TOKEN", "123:SECRET-TOKEN");
    telegram.mode(FakeTelegram.Mode.ERROR_500);
    CliRun again = check();
    assertThat(again.out() + again.err()).doesNotContain("SECRET-TOKEN");
  }

  @Test
  void metricsFileIsAtomicAndAcceptedByPromtool() throws Exception {
    check();
    String text = Files.readString(metrics(), StandardCharsets.UTF_8);
    assertThat(text).contains("# HELP bitget_stoploss_missing", "# TYPE bitget_stoploss_missing gauge", "bitget_stoploss_missing 1.0")
        .contains("bitget_position_protected{side=\"LONG\",symbol=\"BTCUSDT\",user_id=\"556251171\",verdict=\"MISSING\"} 0.0")
        .contains("bitget_position_protected{side=\"SHORT\",symbol=\"DASHUSDT\",user_id=\"556251171\",verdict=\"PROTECTED\"} 1.0")
        .contains("stopguard_last_successful_check_timestamp_seconds", "stopguard_check_duration_seconds",
            "stopguard_open_incidents 1.0");
    try (var files = Files.list(metrics().getParent())) {
      assertThat(files).containsExactly(metrics()); // no temp file left behind
    }
    Promtool.checkMetrics(metrics());

    // a failing account is counted by code; the flag gauge keeps the stored value
    CliRun.run(env, "s1\nWRONG\n", "keys", "reset", "--user", "556251171", "--api-key", "bg_k1");
    assertThat(check().exit()).isEqualTo(3);
    assertThat(Files.readString(metrics())).contains("stopguard_bitget_api_errors_total{code=\"40012\"} 1.0")
        .contains("stopguard_check_complete 0.0").contains("bitget_stoploss_missing 1.0");
    Promtool.checkMetrics(metrics());
  }
}
