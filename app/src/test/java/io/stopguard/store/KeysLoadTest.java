package io.stopguard.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.cli.Sqlite3;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet member refreshes its keys every 10 s: it decrypts (and keeps) only its own share, and of
 * the others learns only whether it could decrypt them, once per sealed value.
 */
class KeysLoadTest {
  @TempDir
  Path dir;

  @Test
  void onlyTheLoadedShareIsDecryptedAndKeptTheOthersAreCheckedOncePerSealedValue() throws Exception {
    Path db = dir.resolve("trading.db");
    SecretBox right = SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key"));
    SecretBox wrong = SecretBox.fromEnvOrFile(Map.of(SecretBox.ENV, Base64.getEncoder().encodeToString(new byte[32])), dir.resolve("x"));
    try (Store store = Store.open(db, right)) {
      for (int i = 1; i <= 20; i++) store.keys().put("u" + i, "bitget", "key" + i, "secret" + i, "pass" + i, false);
    }
    // a row sealed by another master key (as an older stopguard let a wrongly keyed host write)
    String ad = Store.associatedData("bitget", "key21");
    Sqlite3.query(db, "INSERT INTO user_exchange_keys (user_id, exchange_name, api_key, api_secret_enc,"
        + " passphrase_enc, is_active, demo_trading, created_at, updated_at) VALUES ('u21', 'bitget', 'key21', '"
        + wrong.seal("secret21", ad + "|secret") + "', '" + wrong.seal("pass21", ad + "|passphrase") + "', 1, 0, 'x', 'x')");
    try (Store store = Store.open(db, right)) {
      Predicate<String> mine = u -> u.equals("u1") || u.equals("u2");
      ActiveKeys first = store.keys().active("bitget", mine);
      assertThat(first.usable()).extracting(ExchangeKey::userId).containsExactly("u1", "u2");
      assertThat(first.unusable()).extracting(UnusableKey::userId).containsExactly("u21");
      assertThat(first.unusable().getFirst().undecryptable()).isTrue();
      long opened = right.opened();

      ActiveKeys again = store.keys().active("bitget", mine);
      assertThat(again).isEqualTo(first);
      // its own two keys (secret and passphrase each), and the one it cannot open: not the other 18
      assertThat(right.opened() - opened).isEqualTo(2 * 2 + 1);

      store.keys().put("u7", "bitget", "key7", "rotated", "pass7", false); // a changed row is checked again
      store.keys().active("bitget", mine);
      assertThat(right.opened() - opened).isEqualTo(2 * (2 * 2 + 1) + 2);
      assertThat(store.keys().active("bitget").usable()).hasSize(20); // everything, when asked for everything
    }
  }
}
