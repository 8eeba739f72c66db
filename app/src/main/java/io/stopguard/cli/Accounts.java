package io.stopguard.cli;

import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Store;
import java.util.List;

/** Finding the stored key of a user, with errors an operator can act on. */
final class Accounts {
  private Accounts() {}

  static ExchangeKey oneKey(Store store, String userId) {
    List<ExchangeKey> keys = store.activeKeys("bitget", userId);
    if (keys.isEmpty()) {
      throw new UsageException("user " + userId + " has no active bitget key in " + store.file()
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
    if (userId == null) return store.activeKeys("bitget");
    List<ExchangeKey> keys = store.activeKeys("bitget", userId);
    if (keys.isEmpty()) throw new UsageException("user " + userId + " has no active bitget key in " + store.file());
    return keys;
  }

  static void requireBitget(String exchange) {
    KeysCommand.exchange(exchange);
  }

}
