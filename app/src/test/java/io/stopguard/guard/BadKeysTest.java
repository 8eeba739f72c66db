package io.stopguard.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.TestScenarios;
import io.stopguard.alert.Alerting;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.cli.CliRun;
import io.stopguard.cli.Sqlite3;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail loud, fail narrow: one key the guard cannot use (undecryptable, a character no header can
 * carry, a missing master key) is reported by user and never takes the other accounts down, and
 * no message ever carries a secret.
 */
class BadKeysTest {
  static final String SCENARIO = TestScenarios.text("two-accounts-one-bare");
  static final String SECRET_PASSPHRASE = "pässphrase-Ωmega";

  @TempDir
  Path home;
  SimServer sim;
  final Map<String, String> env = new HashMap<>();

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

  Store store() {
    return Store.open(home.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key")));
  }

  @Test
  void keysAddRefusesWhatBitgetCannotAccept() throws Exception {
    CliRun r = CliRun.run(env, "s1\n" + SECRET_PASSPHRASE + "\n", "keys", "add", "--user", "1", "--exchange", "bitget",
        "--api-key", "k1");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("the passphrase contains a character Bitget cannot accept").contains("nothing was stored")
        .doesNotContain(SECRET_PASSPHRASE);
    CliRun emoji = CliRun.run(env, "s1\np1\n", "keys", "add", "--user", "1", "--exchange", "bitget", "--api-key", "k1🔑\u001b[2J");
    assertThat(emoji.exit()).isEqualTo(2);
    assertThat(emoji.err()).contains("--api-key contains a character").doesNotContain("\u001b");
    assertThat(home.resolve("trading.db")).doesNotExist(); // refused before anything was opened
  }

  @Test
  void aStoredBadKeyFailsOnlyItsOwnAccountWithAMaskedMessage() {
    try (Store s = store()) {
      s.keys().put("1", "bitget", "k1", "s1", "p1", false);
      s.keys().put("2", "bitget", "k2", "s2", SECRET_PASSPHRASE, false); // stored before keys add checked it
    }
    CliRun r = CliRun.run(env, "", "check", "-v");
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(3);
    assertThat(r.out() + r.err()).contains("user 2").contains("passphrase contains a character Bitget cannot accept")
        .doesNotContain(SECRET_PASSPHRASE).doesNotContain("invalid header");
    // user 1 was still checked
    assertThat(r.out() + r.err()).contains("1 of 2 account(s) failed").doesNotContain("Exception");
    CliRun one = CliRun.run(env, "", "check", "--user", "1");
    assertThat(one.exit()).as(one.out() + one.err()).isZero();
  }

  @Test
  void aMissingMasterKeyIsAnErrorNeverASilentNewKey() throws Exception {
    try (Store s = store()) {
      s.keys().put("1", "bitget", "k1", "s1", "p1", false);
    }
    Files.delete(home.resolve("master.key"));
    CliRun r = CliRun.run(env, "", "check");
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).contains("master key is missing");
    assertThat(home.resolve("master.key")).doesNotExist();
    CliRun add = CliRun.run(env, "s2\np2\n", "keys", "add", "--user", "2", "--exchange", "bitget", "--api-key", "k2");
    assertThat(add.exit()).isEqualTo(3);
    assertThat(add.err()).contains("holds 1 encrypted key(s) but the master key is missing");
    assertThat(home.resolve("master.key")).doesNotExist();
  }

  @Test
  void theWatcherReportsAnUndecryptableRowByUserAndGuardsTheOthers() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    try (Store store = store()) {
      store.keys().put("1", "bitget", "k1", "s1", "p1", false);
      store.keys().put("2", "bitget", "k2", "s2", "p2", false);
      // a damaged row: user 1's passphrase is sealed for another row, so it can never decrypt
      Sqlite3.query(home.resolve("trading.db"),
          "UPDATE user_exchange_keys SET passphrase_enc = (SELECT passphrase_enc FROM user_exchange_keys WHERE user_id='2')"
              + " WHERE user_id='1';");
      StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 8, Policy.DEFAULT);
      StopguardMetrics metrics = new StopguardMetrics();
      Alerting alerting = Alerting.console(new PrintStream(console, true), "ru");
      CheckService service = new CheckService(store, check, Policy.DEFAULT, alerting, metrics, null,
          new IncidentLog(home.resolve("docs/incident_log.md")), Clock.systemUTC());
      WatchSettings settings = WatchSettings.DEFAULT.withRestore(WatchSettings.Restore.ON).withGrace(Duration.ZERO)
          .withInterval(Duration.ofMillis(500)).withKeyRefresh(Duration.ofMillis(200)).withWebSocket(false).withParallelism(4);
      try (Watcher w = Watcher.builder(store, check, service).alerting(alerting).metrics(metrics).settings(settings).webSocket(sim.webSocketUrl()).time(Timebase.system()).build()) {
        w.start();
        // user 2 is guarded: its bare SOL short gets a stop
        await().atMost(Duration.ofSeconds(10)).until(() -> sim.exchange().countPlans("2", "SOLUSDT", "short", "pos_loss") == 1);
        assertThat(w.unguarded()).extracting(Watcher.Unguarded::userId).containsExactly("1");
        assertThat(w.unguarded().getFirst().reason()).contains("cannot decrypt");
        assertThat(w.summary().degradedBecause()).anySatisfy(
            why -> assertThat(why.toString()).contains("1 account(s) not guarded: users 1"));
        assertThat(WatcherTest.scrape(metrics)).contains("stopguard_unguarded_accounts 1.0");
        assertThat(console.toString()).contains("⚠️ Bitget: аккаунт не охраняется").contains("Пользователь: 1");
        // the key is re-entered: guarded again, said once
        store.keys().put("1", "bitget", "k1", "s1", "p1", false);
        await().atMost(Duration.ofSeconds(10)).until(() -> w.unguarded().isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> console.toString().contains("аккаунт снова охраняется"));
        assertThat(console.toString().split("аккаунт не охраняется", -1)).hasSize(2);
      }
    }
  }

  @Test
  void theWatcherWithoutItsMasterKeyIsDegradedNamingEveryUser() throws Exception {
    try (Store s = store()) {
      s.keys().put("1", "bitget", "k1", "s1", "p1", false);
      s.keys().put("2", "bitget", "k2", "s2", "p2", false);
    }
    Files.delete(home.resolve("master.key"));
    try (Store store = store()) {
      StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 8, Policy.DEFAULT);
      StopguardMetrics metrics = new StopguardMetrics();
      CheckService service = new CheckService(store, check, Policy.DEFAULT, Alerting.none(), metrics, null,
          new IncidentLog(home.resolve("docs/incident_log.md")), Clock.systemUTC());
      WatchSettings settings = WatchSettings.DEFAULT.withRestore(WatchSettings.Restore.OFF).withGrace(Duration.ZERO)
          .withKeyRefresh(Duration.ofMillis(200)).withWebSocket(false).withParallelism(4);
      try (Watcher w = Watcher.builder(store, check, service).metrics(metrics).settings(settings).webSocket(sim.webSocketUrl()).time(Timebase.system()).build()) {
        w.start();
        assertThat(w.accountCount()).isZero();
        assertThat(w.unguarded()).extracting(Watcher.Unguarded::userId).containsExactly("1", "2");
        assertThat(w.summary().degradedBecause().toString()).contains("users 1, 2");
        assertThat(home.resolve("master.key")).doesNotExist();
      }
    }
  }
}
