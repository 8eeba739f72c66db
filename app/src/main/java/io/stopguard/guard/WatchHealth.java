package io.stopguard.guard;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * One watcher's figures for {@code /health} and the status page's header (a typed snapshot: nothing
 * crosses a package as a map). The JSON field names are these components' names.
 *
 * @param oldestReconcileSeconds age of the stalest look; null until every account has been looked at
 * @param requestsPerMinuteBudget this instance's REST budget a minute; null when unlimited
 * @param fleet this instance's share of a fleet; absent outside one
 * @param degradedBecause every reason the process is degraded; empty when it is not
 */
public record WatchHealth(String version, int accounts, int webSocketsLive, int webSocketsMax, int polled,
    Long oldestReconcileSeconds, long reconcileIntervalSeconds, long fullReconcileSecondsAtIpLimit,
    int requestsPerMinuteYieldedToOneOffCommands, Long requestsPerMinuteUsed, Long requestsPerMinuteBudget,
    List<String> restoresFailing, long storeSilentSeconds, List<Watcher.Unguarded> unguardedAccounts,
    long bitgetClockOffsetMs, double bitgetThrottle, long processPauses, long oldestUndeliveredAlertSeconds,
    @JsonInclude(JsonInclude.Include.NON_NULL) FleetHealth fleet, List<String> degradedBecause) {
  public WatchHealth {
    restoresFailing = List.copyOf(restoresFailing);
    unguardedAccounts = List.copyOf(unguardedAccounts);
    degradedBecause = List.copyOf(degradedBecause);
  }

  /** Nothing watched and nothing known yet (a page or a test without a watcher). */
  public static WatchHealth none() {
    return new WatchHealth(null, 0, 0, 0, 0, null, 0, 0, 0, null, null, List.of(), 0, List.of(), 0, 1, 0, 0, null, List.of());
  }

  /** With a fleet member's share, its reasons first (a fenced instance says so before anything else). */
  public WatchHealth withFleet(FleetHealth f, List<String> fleetReasons) {
    List<String> why = new ArrayList<>(fleetReasons);
    why.addAll(degradedBecause);
    return new WatchHealth(version, accounts, webSocketsLive, webSocketsMax, polled, oldestReconcileSeconds,
        reconcileIntervalSeconds, fullReconcileSecondsAtIpLimit, requestsPerMinuteYieldedToOneOffCommands,
        requestsPerMinuteUsed, requestsPerMinuteBudget, restoresFailing, storeSilentSeconds, unguardedAccounts,
        bitgetClockOffsetMs, bitgetThrottle, processPauses, oldestUndeliveredAlertSeconds, f, why);
  }

  public boolean degraded() {
    return !degradedBecause.isEmpty();
  }
}
