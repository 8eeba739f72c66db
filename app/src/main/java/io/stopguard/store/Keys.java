package io.stopguard.store;

import io.stopguard.bitget.KeyInfo;
import io.stopguard.bitget.Credentials;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The {@code user_exchange_keys} table: API keys with their secret and passphrase sealed by the
 * master key ({@link SecretBox}, the exchange and API key as associated data). Obtain from
 * {@link Store#keys()}; every call holds the store's monitor (its one connection).
 */
public final class Keys {
  private final Store store;

  Keys(Store store) {
    this.store = store;
  }

  /**
   * Refuses to seal with a master key other than the store's: the store keeps an identifier of the
   * key its rows are sealed with ({@code store_meta.master_key_id}, recorded by the first writer, or
   * by the first writer that can open the rows already there). A host with another key would
   * otherwise "update" rows that every correctly keyed host then cannot open.
   */
  public void checkMasterKey() {
    store.sql.work("check the master key", c -> {
      String mine = store.box().keyId();
      String stored = store.meta("master_key_id");
      if (stored != null) {
        if (mine != null && !stored.equals(mine)) throw wrongKey(stored, mine);
        return null;
      }
      if (mine == null) return null; // nothing sealed yet by anyone: the first seal creates the key and records it
      if (countSealed() > 0 && !opensAnExistingRow()) throw wrongKey("unrecorded; this key opens none of its keys", mine);
      store.setMeta("master_key_id", mine);
      return null;
    });
  }

  private StoreException wrongKey(String stored, String mine) {
    return new StoreException(store.database() + " is sealed with master key " + stored + " but this host has master key "
        + mine + " (" + SecretBox.ENV + ", " + SecretBox.FILE_ENV + " or master.key): nothing written. Use the fleet's"
        + " master key; to change it for every row, rotate it deliberately.", null);
  }

  private boolean opensAnExistingRow() {
    return store.sql.query("read keys", "SELECT exchange_name, api_key, api_secret_enc FROM user_exchange_keys ORDER BY id LIMIT 20",
        rs -> {
          try {
            store.box().open(rs.getString(3), Store.associatedData(rs.getString(1), rs.getString(2)) + "|secret");
            return true;
          } catch (RuntimeException sealedElsewhere) {
            return false; // try the next: one damaged row proves nothing
          }
        }).contains(true);
  }

  /**
   * Seals every key again under {@code next} (a master key rotation), all rows in the caller's
   * transaction, and records the new key's identifier. Every row must open with the current key:
   * one that does not stops the rotation before anything is written (it would be lost).
   * Returns how many rows were sealed again.
   */
  public int reseal(SecretBox next) {
    return store.sql.work("re-seal keys", c -> {
      checkMasterKey();
      record Sealed(long id, String secret, String passphrase) {}
      List<Sealed> again = store.sql.query("read keys",
          "SELECT id, exchange_name, api_key, api_secret_enc, passphrase_enc FROM user_exchange_keys ORDER BY id", rs -> {
            String ad = Store.associatedData(rs.getString(2), rs.getString(3));
            String secret;
            String pass;
            try {
              secret = store.box().open(rs.getString(4), ad + "|secret");
              pass = store.box().open(rs.getString(5), ad + "|passphrase");
            } catch (RuntimeException e) {
              throw new StoreException("key row " + rs.getLong(1) + " (" + Credentials.maskKey(rs.getString(3)) + ") does not open"
                  + " with the current master key: nothing rotated (" + e.getMessage() + ")", null);
            }
            return new Sealed(rs.getLong(1), next.seal(secret, ad + "|secret"), next.seal(pass, ad + "|passphrase"));
          });
      for (Sealed s : again) {
        store.sql.update("re-seal keys", "UPDATE user_exchange_keys SET api_secret_enc = ?, passphrase_enc = ?, updated_at = ? WHERE id = ?",
            s.secret(), s.passphrase(), Store.now(), s.id());
      }
      store.setMeta("master_key_id", next.keyId());
      return again.size();
    });
  }

  /** Adds a key, or replaces the secret of the same API key and reactivates it. */
  public void put(String userId, String exchange, String apiKey, String secret, String passphrase, boolean demo) {
    store.sql.work("store the key", c -> {
      checkMasterKey();
      if (!store.box().hasKey()) {
        int sealed = countSealed();
        if (sealed > 0) {
          throw new StoreException(store.database() + " holds " + sealed + " encrypted key(s) but the master key is missing ("
              + store.box().whereMissing() + "). A new master key would leave them undecryptable: restore master.key from its"
              + " backup or set " + SecretBox.ENV + ", then try again.", null);
        }
      }
      String now = Store.now();
      String ad = Store.associatedData(exchange, apiKey);
      store.sql.update("store the key", """
          INSERT INTO user_exchange_keys (user_id, exchange_name, api_key, api_secret_enc, passphrase_enc,
                                          is_active, demo_trading, created_at, updated_at)
          VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
          ON CONFLICT (exchange_name, api_key) DO UPDATE SET
            user_id = excluded.user_id, api_secret_enc = excluded.api_secret_enc,
            passphrase_enc = excluded.passphrase_enc, is_active = 1,
            demo_trading = excluded.demo_trading, updated_at = excluded.updated_at
          """, userId, exchange, apiKey, store.box().seal(secret, ad + "|secret"), store.box().seal(passphrase, ad + "|passphrase"),
          demo ? 1 : 0, now, now);
      if (store.meta("master_key_id") == null) store.setMeta("master_key_id", store.box().keyId()); // the first seal made the key
      return null;
    });
  }

  private int countSealed() {
    return store.sql.first("count keys", "SELECT count(*) FROM user_exchange_keys", rs -> rs.getInt(1)).orElse(0);
  }

  /** What {@link #putIfChanged} did. */
  public enum Change { ADDED, UPDATED, UNCHANGED }

  /**
   * As {@link #put}, but leaves a row that already holds exactly this key (same user, demo flag,
   * secret and passphrase, active) untouched: importing the same list twice changes nothing.
   */
  public Change putIfChanged(String userId, String exchange, String apiKey, String secret,
      String passphrase, boolean demo) {
    return putIfChanged(userId, exchange, apiKey, secret, passphrase, demo, true);
  }

  /** The same with the row's active flag as given (an export of a deactivated key stays deactivated when imported). */
  public Change putIfChanged(String userId, String exchange, String apiKey, String secret,
      String passphrase, boolean demo, boolean active) {
    return store.sql.work("store the key", c -> {
      checkMasterKey();
      String ad = Store.associatedData(exchange, apiKey);
      Optional<Boolean> same = store.sql.first("read a key", "SELECT user_id, api_secret_enc, passphrase_enc, is_active,"
          + " demo_trading FROM user_exchange_keys WHERE exchange_name = ? AND api_key = ?", rs -> {
            try {
              return rs.getString(1).equals(userId) && (rs.getInt(4) == 1) == active && (rs.getInt(5) == 1) == demo
                  && store.box().open(rs.getString(2), ad + "|secret").equals(secret)
                  && store.box().open(rs.getString(3), ad + "|passphrase").equals(passphrase);
            } catch (RuntimeException undecryptable) { // a damaged row is replaced by the good one
              return false;
            }
          }, exchange, apiKey);
      if (same.orElse(false)) return Change.UNCHANGED;
      put(userId, exchange, apiKey, secret, passphrase, demo);
      if (!active) setActive(userId, exchange, apiKey, false);
      return same.isPresent() ? Change.UPDATED : Change.ADDED;
    });
  }

  /**
   * Every active key of one exchange, in a stable order: decrypted and checked, or set aside with
   * the reason it cannot be used (one bad row never hides the others).
   */
  public ActiveKeys active(String exchange) {
    return active(exchange, u -> true);
  }

  /**
   * The active keys of the users {@code loaded} accepts, decrypted and checked as
   * {@link #active(String)} does; of every other user's keys only whether this process can decrypt
   * them: an undecryptable one is listed unusable ({@link UnusableKey#undecryptable()}), the rest
   * are left out, and no secret of theirs is kept. That answer is remembered per sealed value, so a
   * fleet member refreshing every 10 s decrypts only its own share and the rows that changed.
   */
  public ActiveKeys active(String exchange, Predicate<String> loaded) {
    return store.sql.work("read keys", conn -> {
      List<ExchangeKey> usable = new ArrayList<>();
      List<UnusableKey> unusable = new ArrayList<>();
      Map<String, String> checked = new HashMap<>(); // this scan's rows only
      Map<String, String> before = store.decryptChecks;
      try (PreparedStatement st = conn.prepareStatement("""
          SELECT id, user_id, api_key, api_secret_enc, passphrase_enc, demo_trading, permissions, bound_ips
          FROM user_exchange_keys WHERE exchange_name = ? AND is_active = 1 ORDER BY user_id, id""")) {
        st.setString(1, exchange);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            long id = rs.getLong("id");
            String userId = rs.getString("user_id");
            String apiKey = rs.getString("api_key");
            String masked = Credentials.maskKey(apiKey == null ? "" : apiKey);
            String keyProblem = Credentials.problem("API key", apiKey);
            if (keyProblem != null) {
              if (loaded.test(userId)) unusable.add(new UnusableKey(id, userId, exchange, masked, keyProblem, false));
              continue;
            }
            String ad = Store.associatedData(exchange, apiKey);
            String secretEnc = rs.getString("api_secret_enc");
            String passEnc = rs.getString("passphrase_enc");
            if (!loaded.test(userId)) {
              // Only whether it opens: remembered per sealed value ("" = it does), never the secret.
              String sealed = ad + '\u0000' + secretEnc + '\u0000' + passEnc;
              String why = before.get(sealed);
              if (why == null) {
                try {
                  store.box().open(secretEnc, ad + "|secret");
                  store.box().open(passEnc, ad + "|passphrase");
                  why = "";
                } catch (RuntimeException e) { // SecretBox's messages never hold a secret
                  why = e.getMessage() == null ? "cannot be decrypted" : e.getMessage();
                }
              }
              if (why.isEmpty()) checked.put(sealed, why); // a refusal is asked again: the master key may come back
              if (!why.isEmpty()) unusable.add(new UnusableKey(id, userId, exchange, masked, why, true));
              continue;
            }
            Credentials c;
            try {
              c = new Credentials(apiKey, store.box().open(secretEnc, ad + "|secret"), store.box().open(passEnc, ad + "|passphrase"));
            } catch (RuntimeException e) { // SecretBox's messages never hold a secret
              unusable.add(new UnusableKey(id, userId, exchange, masked, e.getMessage(), true));
              continue;
            }
            String problem = c.problem(); // never holds a secret
            if (problem != null) unusable.add(new UnusableKey(id, userId, exchange, masked, problem, false));
            else usable.add(new ExchangeKey(id, userId, exchange, rs.getInt("demo_trading") == 1, c,
                infoOf(userId, rs.getString("permissions"), rs.getString("bound_ips"))));
          }
        }
      }
      store.decryptChecks = Map.copyOf(checked); // rows gone or changed are forgotten
      return new ActiveKeys(usable, unusable);
    });
  }

  /** Active keys of one exchange for one user only. */
  public ActiveKeys active(String exchange, String userId) {
    return active(exchange).ofUsers(userId::equals);
  }


  /**
   * Sets is_active on a user's keys of one exchange (all of them, or the one API key given).
   * Returns how many rows changed.
   */
  public int setActive(String userId, String exchange, String apiKey, boolean active) {
    return store.sql.update("update keys", """
        UPDATE user_exchange_keys SET is_active = ?, updated_at = ?
        WHERE user_id = ? AND exchange_name = ? AND (? IS NULL OR api_key = ?)""",
        active ? 1 : 0, Store.now(), userId, exchange, apiKey, apiKey);
  }

  /** What Bitget said of a key, as stored; null if never asked. */
  static KeyInfo infoOf(String userId, String permissions, String boundIps) {
    if (permissions == null && boundIps == null) return null;
    List<String> codes = permissions == null || permissions.isBlank() ? List.of() : List.of(permissions.split(","));
    return new KeyInfo(userId, codes, KeyInfo.parseIps(boundIps));
  }

  /** Records what Bitget said of a key (its permissions and bound addresses); true if that changed. */
  public boolean recordInfo(String exchange, String apiKey, KeyInfo info) {
    String perms = String.join(",", info.authorities());
    String ips = String.join(",", info.ips());
    return store.sql.work("record a key's permissions", c -> {
      boolean changed = store.sql.first("record a key's permissions",
          "SELECT permissions, bound_ips FROM user_exchange_keys WHERE exchange_name = ? AND api_key = ?",
          rs -> !perms.equals(rs.getString(1)) || !ips.equals(rs.getString(2)), exchange, apiKey).orElse(true);
      store.sql.update("record a key's permissions", """
          UPDATE user_exchange_keys SET permissions = ?, bound_ips = ?, key_checked_at = ?
          WHERE exchange_name = ? AND api_key = ?""", perms, ips, Store.now(), exchange, apiKey);
      return changed;
    });
  }

  public List<KeyRow> list() {
    return store.sql.query("list keys", """
        SELECT id, user_id, exchange_name, api_key, is_active, demo_trading, created_at, updated_at, permissions, bound_ips
        FROM user_exchange_keys ORDER BY exchange_name, user_id, id""",
        rs -> new KeyRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5) == 1,
            rs.getInt(6) == 1, rs.getString(7), rs.getString(8), infoOf(rs.getString(2), rs.getString(9), rs.getString(10))));
  }
}
