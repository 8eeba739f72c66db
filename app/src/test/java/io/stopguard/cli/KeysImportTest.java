package io.stopguard.cli;

import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keys import: all rows checked first, one transaction, idempotent, secrets never printed. */
class KeysImportTest {
  @TempDir
  Path home;

  Map<String, String> env() {
    return Map.of("STOPGUARD_HOME", home.toString());
  }

  static String csv(int n, int badLine) {
    StringBuilder sb = new StringBuilder("user_id,exchange,api_key,secret,passphrase,demo\n");
    for (int i = 0; i < n; i++) {
      String pass = i + 2 == badLine ? "pässwörd-secret" : "pass-secret-" + i;
      sb.append(1000 + i).append(",bitget,bg_key").append(i).append(",sec-secret-").append(i).append(',').append(pass)
          .append(i % 2 == 0 ? ",false" : ",true").append('\n');
    }
    return sb.toString();
  }

  @Test
  void aListImportsInOneGoAndAgainChangesNothing() throws Exception {
    Path f = home.resolve("keys.csv");
    Files.writeString(f, csv(200, -1));
    CliRun r = CliRun.run(env(), "", "keys", "import", "--file", f.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("added 200, updated 0, unchanged 0, failed 0").doesNotContain("secret-");
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT count(*), sum(demo_trading) FROM user_exchange_keys;"))
        .isEqualTo("200|100");
    CliRun again = CliRun.run(env(), "", "keys", "import", "--file", f.toString());
    assertThat(again.out()).contains("added 0, updated 0, unchanged 200");
    CliRun list = CliRun.run(env(), "", "keys", "list");
    assertThat(list.out()).contains("bg_k****").doesNotContain("sec-secret").doesNotContain("pass-secret");
  }

  @Test
  void oneBadRowStoresNothingAndNamesItsLine() throws Exception {
    Path f = home.resolve("keys.csv");
    Files.writeString(f, csv(10, 7));
    CliRun r = CliRun.run(env(), "", "keys", "import", "--file", f.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("line 7: passphrase contains a character Bitget cannot accept").contains("nothing was stored")
        .doesNotContain("pässwörd");
    assertThat(home.resolve("trading.db")).doesNotExist();
    CliRun skip = CliRun.run(env(), "", "keys", "import", "--file", f.toString(), "--skip-bad");
    assertThat(skip.exit()).isEqualTo(3);
    assertThat(skip.out()).contains("added 9").contains("failed 1");
  }

  /**
   * A row with a column too many (a comma in a secret, a shifted export): its line is named, its
   * values never (Jackson's message quoted the overflowing value, a passphrase or secret once the
   * columns shift), and --skip-bad stores the others (the error used to end the whole import).
   */
  @Test
  void aRowWithAColumnTooManyIsNamedByLineNeverShownAndSkippable() throws Exception {
    Path f = home.resolve("keys.csv");
    Files.writeString(f, "user_id,exchange,api_key,secret,passphrase\n9001,bitget,bg_k1,sec-one,pass-one\n"
        + "9002,bitget,bg_k2,sec-two,pass,TWO-OVERFLOW-SECRET\n9003,bitget,bg_k3,sec-three,pass-three\n");
    CliRun r = CliRun.run(env(), "", "keys", "import", "--file", f.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("line 3: not a CSV row of the header's 5 columns").contains("nothing was stored")
        .doesNotContain("OVERFLOW").doesNotContain("sec-two").doesNotContain("unexpected error");
    CliRun skip = CliRun.run(env(), "", "keys", "import", "--file", f.toString(), "--skip-bad");
    assertThat(skip.exit()).isEqualTo(3);
    assertThat(skip.out()).contains("added 2").contains("failed 1");
    assertThat(skip.out() + skip.err()).doesNotContain("OVERFLOW").doesNotContain("sec-two");
  }

  @Test
  void jsonLinesFromStdinAndADryRun() throws Exception {
    String jsonl = """
        {"user_id": "1", "exchange": "bitget", "api_key": "bg_a", "secret": "sec-secret-a", "passphrase": "p-a"}
        {"user_id": "2", "exchange": "bitget", "api_key": "bg_bbb", "secret": "sec-secret-b", "passphrase": "p-b", "demo": true}
        {"user_id": "2", "exchange": "bitget", "api_key": "bg_bbb", "secret": "x", "passphrase": "y"}
        not json sec-secret-c
        """;
    CliRun dry = CliRun.run(env(), jsonl, "keys", "import", "--dry-run");
    assertThat(dry.exit()).isEqualTo(2);
    assertThat(dry.err()).contains("line 3: api_key bg_b**** already on line 2").contains("line 4: not a JSON object")
        .doesNotContain("sec-secret");
    CliRun good = CliRun.run(env(), jsonl.lines().limit(2).reduce("", (a, b) -> a + b + "\n"), "keys", "import", "--dry-run");
    assertThat(good.exit()).isZero();
    assertThat(good.out()).contains("2 row(s) valid; nothing stored");
    CliRun real = CliRun.run(env(), jsonl.lines().limit(2).reduce("", (a, b) -> a + b + "\n"), "keys", "import");
    assertThat(real.out()).contains("added 2");
  }

  @Test
  void exportWritesTheImportFormatWithoutSecrets() throws Exception {
    Path f = home.resolve("keys.csv");
    Files.writeString(f, csv(3, -1));
    assertThat(CliRun.run(env(), "", "keys", "import", "--file", f.toString()).exit()).isZero();
    CliRun out = CliRun.run(env(), "", "keys", "export");
    assertThat(out.exit()).isZero();
    assertThat(out.out()).startsWith("user_id,exchange,api_key,secret,passphrase,demo,is_active\n")
        .contains("1000,bitget,bg_key0,,,false,true").doesNotContain("secret-");
    CliRun jsonl = CliRun.run(env(), "", "keys", "export", "--format", "jsonl");
    assertThat(jsonl.out().lines()).hasSize(3).allSatisfy(l -> assertThat(l).contains("\"secret\":\"\"").doesNotContain("secret-"));
    // the export, with secrets filled in, imports back as "unchanged"
    String back = out.out().lines().skip(1).map(l -> {
      String[] c = l.split(",", -1);
      int i = Integer.parseInt(c[0]) - 1000;
      return c[0] + "," + c[1] + "," + c[2] + ",sec-secret-" + i + ",pass-secret-" + i + "," + c[5];
    }).reduce("user_id,exchange,api_key,secret,passphrase,demo\n", (a, b) -> a + b + "\n");
    assertThat(CliRun.run(env(), back, "keys", "import", "--format", "csv").out()).contains("unchanged 3");

    // A deactivated key stays deactivated through export and import (import re-activated it); a
    // value a spreadsheet would run as a formula goes out neutralised and comes back as it was.
    assertThat(CliRun.run(env(), "s1\np1\n", "keys", "add", "--user=@1", "--exchange", "bitget", "--api-key=+bg_formula")
        .exit()).isZero();
    assertThat(CliRun.run(env(), "", "keys", "deactivate", "--user", "1001").exit()).isZero();
    CliRun all = CliRun.run(env(), "", "keys", "export", "--all");
    assertThat(all.out()).contains("\"'@1\",bitget,\"'+bg_formula\",,,false,true").contains("1001,bitget,bg_key1,,,true,false")
        .doesNotContain("\n@1").doesNotContain(",+bg_formula");
    String filled = all.out().lines().skip(1).map(l -> {
      String[] c = l.split(",", -1);
      String secret = c[0].contains("@1") ? "s1" : "sec-secret-" + (Integer.parseInt(c[0]) - 1000);
      String pass = c[0].contains("@1") ? "p1" : "pass-secret-" + (Integer.parseInt(c[0]) - 1000);
      return c[0] + "," + c[1] + "," + c[2] + "," + secret + "," + pass + "," + c[5] + "," + c[6];
    }).reduce("user_id,exchange,api_key,secret,passphrase,demo,is_active\n", (a, b) -> a + b + "\n");
    CliRun again = CliRun.run(env(), filled, "keys", "import", "--format", "csv");
    assertThat(again.out()).as(again.err()).contains("added 0, updated 0, unchanged 4");
    assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT user_id || ':' || api_key || ':' || is_active FROM user_exchange_keys"
        + " WHERE user_id IN ('1001', '@1') ORDER BY user_id")).isEqualTo("1001:bg_key1:0\n@1:+bg_formula:1");
  }

  @Test
  void verifyAsksTheExchangeAboutEveryKeyAndARefusedOneIsABadRow() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(CheckCommandTest.SCENARIO)), 0)) {
      Map<String, String> env = Map.of("STOPGUARD_HOME", home.toString(), "STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
      String rows = """
          user_id,exchange,api_key,secret,passphrase
          9001,bitget,bg_k1,s1,p1
          9002,bitget,bg_k2,wrong-secret-2,p2
          """;
      CliRun r = CliRun.run(env, rows, "keys", "import", "--format", "csv", "--verify");
      assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
      assertThat(r.err()).contains("verified 2 key(s) with Bitget: 1 accepted, 1 refused")
          .contains("line 3: Bitget refused key bg_k**** of user 9002").contains("nothing was stored")
          .doesNotContain("wrong-secret");
      assertThat(home.resolve("trading.db")).doesNotExist();

      CliRun skip = CliRun.run(env, rows, "keys", "import", "--format", "csv", "--verify", "--skip-bad");
      assertThat(skip.exit()).isEqualTo(3);
      assertThat(skip.out()).contains("added 1, updated 0, unchanged 0, failed 1");
      assertThat(Sqlite3.query(home.resolve("trading.db"), "SELECT user_id FROM user_exchange_keys;")).isEqualTo("9001");
      CliRun verified = CliRun.run(env, "", "keys", "verify", "--json");
      assertThat(verified.exit()).as(verified.err()).isZero();
      var json = verified.json(); // one JSON document
      assertThat(json.size()).isEqualTo(1);
      assertThat(json.get(0).get("userId").asText()).isEqualTo("9001");
      assertThat(json.get(0).get("ok").asBoolean()).isTrue();
      assertThat(json.get(0).get("openPositions").asInt()).isEqualTo(2);
      assertThat(verified.out()).doesNotContain("s1").contains("bg_k****");
      // a key this host cannot decrypt is a failure of its own, not left out because another is usable
      Sqlite3.query(home.resolve("trading.db"), "INSERT INTO user_exchange_keys (user_id, exchange_name, api_key, api_secret_enc,"
          + " passphrase_enc, is_active, demo_trading, created_at, updated_at) VALUES ('9009', 'bitget', 'bg_damaged', 'v1:AAAA',"
          + " 'v1:AAAA', 1, 0, 'x', 'x')");
      CliRun withDamaged = CliRun.run(env, "", "keys", "verify", "--json");
      assertThat(withDamaged.exit()).isEqualTo(3);
      assertThat(withDamaged.json().findValuesAsText("userId")).containsExactlyInAnyOrder("9001", "9009");
      assertThat(CliRun.run(env, "", "keys", "verify").out()).contains("9009 bg_d****: FAILED cannot be used:");

      CliRun good = CliRun.run(env, rows.replace("wrong-secret-2", "s2"), "keys", "import", "--format", "csv", "--verify");
      assertThat(good.exit()).as(good.err()).isZero();
      assertThat(good.out()).contains("added 1, updated 0, unchanged 1, failed 0; every stored key was accepted by Bitget");
    }
  }

  /**
   * A master key rotation seals every key again under the new key in one transaction: the new key
   * opens them all, the old one none and it can no longer write; the store names the new key.
   */
  @Test
  void rotatingTheMasterKeySealsEveryKeyUnderTheNewOne() throws Exception {
    Path f = home.resolve("keys.csv");
    Files.writeString(f, csv(3, -1));
    assertThat(CliRun.run(env(), "", "keys", "import", "--file", f.toString()).exit()).isZero();
    assertThat(CliRun.run(env(), "", "keys", "deactivate", "--user", "1001").exit()).isZero();
    Path next = home.resolve("master.key.new");
    CliRun r = CliRun.run(env(), "", "keys", "rotate-master-key", "--new-key-file", next.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    SecretBox nextBox = SecretBox.fromEnvOrFile(Map.of(), next);
    assertThat(r.out()).contains("re-sealed 3 key(s)").contains("under master key " + nextBox.keyId());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(next))).isEqualTo("rw-------");
    try (Store s = Store.open(home.resolve("trading.db"), nextBox)) {
      assertThat(s.keys().active("bitget").usable()).hasSize(2); // the deactivated one was sealed again too, and stays inactive
      assertThat(s.meta("master_key_id")).isEqualTo(nextBox.keyId());
    }
    CliRun old = CliRun.run(env(), "s\np\n", "keys", "add", "--user", "9", "--exchange", "bitget", "--api-key", "bg_x");
    assertThat(old.exit()).isEqualTo(3);
    assertThat(old.err()).contains("is sealed with master key " + nextBox.keyId());
  }
}
