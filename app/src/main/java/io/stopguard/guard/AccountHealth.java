package io.stopguard.guard;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One account as {@code /health} shows it: how it is watched, its last look, and its bare positions.
 *
 * @param webSocket "live", "connecting", …, or "polled"/"off" without one
 * @param lastReconcile when its last look succeeded (ISO-8601), null before the first
 * @param canRestore false for a read-only key (watched, cannot restore); absent otherwise
 * @param keyRisk what the key may do beyond its job ("can withdraw funds"); absent otherwise
 */
public record AccountHealth(String userId, String key, String webSocket, String lastReconcile, String lastError,
    @JsonInclude(JsonInclude.Include.NON_NULL) Boolean canRestore,
    @JsonInclude(JsonInclude.Include.NON_NULL) String keyRisk, List<String> unprotected) {
  /** Looked at, and its last look did not fail. */
  public boolean looksOk() {
    return lastReconcile != null && lastError == null;
  }
}
