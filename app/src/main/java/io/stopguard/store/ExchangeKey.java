package io.stopguard.store;

import io.stopguard.bitget.KeyInfo;
import io.stopguard.bitget.Credentials;

/**
 * An active key with its decrypted credentials, for talking to the exchange, and what Bitget last said
 * of it ({@code info}: permissions and bound addresses; null if never asked).
 */
public record ExchangeKey(long id, String userId, String exchange, boolean demoTrading, Credentials credentials,
    KeyInfo info) {
  public ExchangeKey(long id, String userId, String exchange, boolean demoTrading, Credentials credentials) {
    this(id, userId, exchange, demoTrading, credentials, null);
  }

  /** False only when Bitget's own codes say the key cannot trade (unknown codes: assumed it can, and said elsewhere). */
  public boolean mayRestore() {
    return info == null || !Boolean.FALSE.equals(info.canTrade());
  }

  @Override
  public String toString() {
    return "ExchangeKey[user=" + userId + ", exchange=" + exchange + ", key=" + credentials.maskedKey() + "]";
  }
}
