package io.stopguard.store;

import java.time.Duration;
import java.time.Instant;

/**
 * One unprotected episode of a position, from detection to restore or resolution. States:
 * {@code open} → ({@code restoring}) → {@code restored} | {@code resolved} | {@code failed}.
 */
public record Incident(long id, String userId, String symbol, String holdSide, String verdict, String detail, String state,
    Instant detectedAt, Instant alertedAt, Instant lastAlertAt, Instant restoringAt, Instant restoredAt, Instant resolvedAt,
    String resolution, String restoredBy, int attempts, String lastError, Instant loggedAt, int oidGeneration,
    Instant escalatedAt, Instant bareSince, boolean bareSinceExact) {

  public String key() {
    return userId + ":" + symbol + ":" + holdSide;
  }

  public boolean isOpen() {
    return state.equals("open") || state.equals("restoring");
  }

  /** When the position stopped being bare: restored or resolved. */
  public Instant endedAt() {
    return restoredAt != null ? restoredAt : resolvedAt;
  }

  /** How long the position was bare; null while open. */
  public Duration bareFor() {
    Instant end = endedAt();
    return end == null ? null : Duration.between(detectedAt, end);
  }
}
