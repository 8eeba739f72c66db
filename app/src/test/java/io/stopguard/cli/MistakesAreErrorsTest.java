package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration mistakes are errors, never a silent fallback; no message a person reads holds a
 * Java class name, a raw control byte or a secret.
 */
class MistakesAreErrorsTest {
  static final Pattern JAVA_NAME = Pattern.compile("java\\.|javax\\.|Exception|/ by zero");

  @TempDir
  Path dir;

  CliRun run(Map<String, String> env, String... args) {
    CliRun r = CliRun.run(env, "", args);
    assertThat(r.out() + r.err()).as("no Java names").doesNotContainPattern(JAVA_NAME).doesNotContain("\u001b");
    return r;
  }

  @Test
  void aMistypedHomeIsAnErrorAndOnlyKeysAddCreatesOne() {
    Path missing = dir.resolve("stopgaurd");
    CliRun flags = run(Map.of("STOPGUARD_HOME", missing.toString()), "flags");
    assertThat(flags.exit()).isEqualTo(2);
    assertThat(flags.err()).contains("STOPGUARD_HOME " + missing + " does not exist (a typo?)");
    assertThat(missing).doesNotExist();
    CliRun add = CliRun.run(Map.of("STOPGUARD_HOME", missing.toString()), "s1\np1\n", "keys", "add", "--user", "1",
        "--exchange", "bitget", "--api-key", "bg_k1");
    assertThat(add.exit()).as(add.err()).isZero();
    assertThat(add.err()).contains("created stopguard home");
    assertThat(missing.resolve("trading.db")).exists();
  }

  /**
   * A mistyped PostgreSQL URL is exit 2 with one line (no password) and creates nothing: it was an
   * empty SQLite file named after the URL, "no flags yet" and a watcher of 0 accounts. A relative
   * file is the home's, not the working directory's.
   */
  @Test
  void aMistypedDatabaseUrlIsAnErrorAndARelativeFileIsTheHomes() throws Exception {
    for (String typo : new String[] {"postgresq://guard:hunter2@db.internal/stopguard", "postgresql//guard:hunter2@db/stopguard",
        "jdbc:postgres://db/stopguard"}) {
      CliRun r = run(Map.of("STOPGUARD_HOME", dir.toString(), "STOPGUARD_DB", typo), "flags");
      assertThat(r.exit()).as(typo).isEqualTo(2);
      assertThat(r.err().strip().lines()).as(typo).hasSize(1);
      assertThat(r.err()).contains("STOPGUARD_DB: neither a PostgreSQL URL").doesNotContain("hunter2");
    }
    // a password holding an '@' (not percent-encoded) is masked whole, as all of the userinfo is
    for (String url : new String[] {"postgresql://guard:hunter@2x@127.0.0.1:1/stopguard", "postgresql://guard:hunter@2x@db/a/b"}) {
      CliRun r = run(Map.of("STOPGUARD_HOME", dir.toString(), "STOPGUARD_DB", url), "flags");
      assertThat(r.exit()).as(url).isNotZero();
      assertThat(r.err()).as(url).doesNotContain("hunter").doesNotContain("2x").doesNotContain("guard:");
    }
    try (var files = Files.list(dir)) {
      assertThat(files.toList()).as("nothing written").isEmpty();
    }
    try (var files = Files.list(Path.of(""))) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.contains("postgres") || n.contains("stopguard")).toList())
          .as("nothing written where the command ran").isEmpty();
    }
    CliRun relative = CliRun.run(Map.of("STOPGUARD_HOME", dir.toString(), "STOPGUARD_DB", "other.db"), "s1\np1\n", "keys", "add",
        "--user", "1", "--exchange", "bitget", "--api-key", "bg_k1");
    assertThat(relative.exit()).as(relative.err()).isZero();
    assertThat(dir.resolve("other.db")).exists();
    assertThat(Path.of("other.db")).doesNotExist();
  }

  @Test
  void aNamedConfigThatDoesNotExistOrHasAWrongTypeIsAnError() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("STOPGUARD_HOME", dir.toString(), "STOPGUARD_CONFIG",
        dir.resolve("missing.yaml").toString()));
    CliRun r = run(env, "check");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("STOPGUARD_CONFIG=" + dir.resolve("missing.yaml") + " does not exist");
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "policy:\n  liquidationBufferPercent: lots\n");
    env.put("STOPGUARD_CONFIG", bad.toString());
    CliRun typed = run(env, "check");
    assertThat(typed.exit()).isEqualTo(2);
    assertThat(typed.err()).contains("must be a plain number (got 'lots')");
    Files.writeString(bad, "status:\n  language: de\n");
    CliRun language = run(env, "check");
    assertThat(language.exit()).isEqualTo(2);
    assertThat(language.err()).contains("status.language must be en or ru (got 'de')");
  }

  @Test
  void numbersAreRangeCheckedBeforeAnyArithmetic() {
    Map<String, String> env = Map.of("STOPGUARD_HOME", dir.toString());
    for (String price : new String[] {"1e50000000", "1e999999999", "NaN", "Infinity", "-1"}) {
      long t0 = System.nanoTime();
      CliRun r = run(env, "place-stop", "--user", "1", "--symbol", "ETHUSDT", "--direction", "LONG", "--stop-price", price);
      assertThat(r.exit()).isEqualTo(2);
      assertThat(r.err()).contains("is not a plain decimal number");
      assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
    }
    CliRun nan = run(env, "watch", "--grace", "NaN");
    assertThat(nan.exit()).isEqualTo(2);
    assertThat(nan.err()).contains("--grace must be 0..3600 seconds");
  }

  @Test
  void aMalformedTelegramTokenIsRefusedWithoutPrintingIt() {
    Map<String, String> env = Map.of("STOPGUARD_HOME", dir.toString(), "TELEGRAM_BOT_TOKEN", "123:SECRET TOKEN",
        "TELEGRAM_CHAT_ID", "-100");
    CliRun r = run(env, "nightly");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out() + r.err()).contains("TELEGRAM_BOT_TOKEN is not a Telegram bot token").doesNotContain("SECRET");
  }

  @Test
  void aBrokenScenarioSaysWhereInWords() throws Exception {
    Path zero = dir.resolve("zero.yaml");
    Files.writeString(zero, "contracts:\n  - {symbol: ETHUSDT, priceEndStep: 0}\n");
    CliRun r = run(Map.of(), "sim", "--scenario", zero.toString(), "--port", "0");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("priceEndStep must be 1..1000");
    Path typed = dir.resolve("typed.yaml");
    Files.writeString(typed, "contracts:\n  - {symbol: ETHUSDT, markPrice: cheap}\n");
    CliRun t = run(Map.of(), "sim", "--scenario", typed.toString(), "--port", "0");
    assertThat(t.exit()).isNotZero();
    assertThat(t.err()).contains("bad value 'cheap' at contracts[0].markPrice");
  }

  @Test
  void aMistypedCommandGetsASuggestionAndTheVersionIsReal() {
    CliRun typo = run(Map.of(), "chek");
    assertThat(typo.exit()).isEqualTo(2);
    assertThat(typo.err()).contains("Did you mean").contains("check");
    CliRun v = run(Map.of(), "--version");
    assertThat(v.out()).startsWith("stopguard ").doesNotContain("stopguard dev").doesNotContain("unknown")
        .containsPattern("revision [0-9a-f]{10}(-dirty)?, committed 20\\d\\d-").contains("Java ");
  }

  @Test
  void keysListTakesJsonLikeEveryReadCommand() {
    Map<String, String> env = Map.of("STOPGUARD_HOME", dir.toString());
    assertThat(CliRun.run(env, "s1\np1\n", "keys", "add", "--user", "1", "--exchange", "bitget", "--api-key", "bg_k1").exit())
        .isZero();
    CliRun r = run(env, "keys", "list", "--json");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("\"apiKey\" : \"bg_k****\"").contains("\"isActive\" : true").doesNotContain("s1");
    r.json(); // one JSON document
  }

  /** master.key and trading.db readable by others (a copy, umask 000) are set back to owner-only, and the command says so. */
  @Test
  void secretsReadableByOthersAreMadeOwnerOnlyAndSaid() throws Exception {
    Map<String, String> env = Map.of("STOPGUARD_HOME", dir.toString());
    assertThat(CliRun.run(env, "s1\np1\n", "keys", "add", "--user", "1", "--exchange", "bitget", "--api-key", "bg_k1").exit()).isZero();
    for (String f : new String[] {"master.key", "trading.db"}) {
      Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
    }
    CliRun r = run(env, "flags");
    assertThat(r.err()).contains("master.key was readable by others (rw-r--r--); set to rw-------")
        .contains("trading.db was readable by others");
    for (String f : new String[] {"master.key", "trading.db"}) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f))))
          .as(f).isEqualTo("rw-------");
    }
    assertThat(run(env, "flags").err()).as("said once").doesNotContain("readable by others");
  }
}
