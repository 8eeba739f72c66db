package io.stopguard.cli;

import io.stopguard.bitget.UnusableKeyException;
import io.stopguard.store.ActiveKeys;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.UnusableKey;
import io.stopguard.store.Store;
import java.util.List;

/** Finding the stored key of a user, with errors an operator can act on. */
final class Accounts {
  private Accounts() {}

  static ExchangeKey oneKey(Store store, String userId) {
    List<ExchangeKey> keys = usable(store.keys().active("bitget", userId));
    if (keys.isEmpty()) {
      throw new UsageException("user " + userId + " has no active bitget key in " + store.where()
          + " (stopguard keys list; stopguard keys add --help)");
    }
    if (keys.size() > 1) {
      throw new UsageException("user " + userId + " has " + keys.size() + " active bitget keys; deactivate the extra ones"
          + " (stopguard keys deactivate --user " + userId + " --api-key KEY)");
    }
    return keys.get(0);
  }

  /** Every active key, or only the given user's (which must exist). */
  static List<ExchangeKey> keys(Store store, String userId) {
    if (userId == null) return usable(store.keys().active("bitget"));
    List<ExchangeKey> keys = usable(store.keys().active("bitget", userId));
    if (keys.isEmpty()) throw new UsageException("user " + userId + " has no active bitget key in " + store.where());
    return keys;
  }

  /**
   * The usable keys; a command that needs one of the others fails with that key's reason (never a
   * secret) rather than acting as if the key did not exist.
   */
  static List<ExchangeKey> usable(ActiveKeys keys) {
    if (!keys.unusable().isEmpty() && keys.usable().isEmpty()) {
      UnusableKey u = keys.unusable().getFirst();
      throw new UnusableKeyException("key " + u.maskedKey() + " of user " + u.userId() + " cannot be used: "
          + u.reason());
    }
    return keys.usable();
  }

  static void requireBitget(String exchange) {
    KeysCommand.exchange(exchange);
  }

}
