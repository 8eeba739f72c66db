package io.stopguard.guard;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A fleet instance's share, for {@code /health} ({@code fleet}) and the page.
 *
 * @param noInstanceMayServe accounts no live instance may use (key bound elsewhere), with the reason
 * @param unable why this instance leaves accounts to others (Bitget refuses it), or null
 */
public record FleetHealth(String instance, int accountsOwned, int liveInstances, int unownedAccounts, int leaseTtlSeconds,
    boolean fenced, boolean deliversAlerts, int ownedNotGuarded, int undecryptableAccounts, int instancesOnThisEgress,
    Map<String, String> noInstanceMayServe,
    @JsonInclude(JsonInclude.Include.NON_NULL) String unable,
    @JsonInclude(JsonInclude.Include.NON_NULL) String lastError,
    @JsonInclude(JsonInclude.Include.NON_NULL) String deliveryLockError) {
  public FleetHealth {
    noInstanceMayServe = Collections.unmodifiableMap(new LinkedHashMap<>(noInstanceMayServe));
  }
}
