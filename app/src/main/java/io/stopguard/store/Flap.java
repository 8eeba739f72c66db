package io.stopguard.store;

import java.time.Instant;

/** A position whose stop keeps disappearing; see {@code V5__flapping.sql} and {@link Flapping}. */
public record Flap(String userId, String symbol, String holdSide, Instant since, int episodes, Instant lastAt) {
  public String key() {
    return userId + ":" + symbol + ":" + holdSide;
  }
}
