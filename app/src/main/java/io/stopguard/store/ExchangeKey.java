package io.stopguard.store;

import io.stopguard.bitget.Credentials;

/** An active key with its decrypted credentials, for talking to the exchange. */
public record ExchangeKey(long id, String userId, String exchange, boolean demoTrading, Credentials credentials) {
  @Override
  public String toString() {
    return "ExchangeKey[user=" + userId + ", exchange=" + exchange + ", key=" + credentials.maskedKey() + "]";
  }
}
