package io.stopguard.store;

import java.util.List;
import java.util.function.Predicate;

/**
 * Every active key of an exchange: those that can be used, and those that cannot with why. A key
 * that cannot be used is never dropped in silence: whoever guards the accounts reports it.
 */
public record ActiveKeys(List<ExchangeKey> usable, List<UnusableKey> unusable) {
  public ActiveKeys {
    usable = List.copyOf(usable);
    unusable = List.copyOf(unusable);
  }

  public boolean isEmpty() {
    return usable.isEmpty() && unusable.isEmpty();
  }

  public int size() {
    return usable.size() + unusable.size();
  }

  /** Only the keys of users the predicate accepts (one user, a watcher's shard). */
  public ActiveKeys ofUsers(Predicate<String> userIds) {
    return new ActiveKeys(usable.stream().filter(k -> userIds.test(k.userId())).toList(),
        unusable.stream().filter(k -> userIds.test(k.userId())).toList());
  }
}
