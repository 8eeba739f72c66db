package io.stopguard.status;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.stopguard.guard.AccountHealth;
import io.stopguard.guard.WatchHealth;
import java.util.List;

/**
 * What {@code /health} answers: "ok" only when every account has been looked at, no look failed and
 * nothing degrades the process; then the figures, then each account.
 */
public record Health(String status, @JsonUnwrapped WatchHealth summary, List<AccountHealth> accounts) {
  public static Health of(WatchHealth summary, List<AccountHealth> accounts) {
    boolean ok = accounts.stream().allMatch(AccountHealth::looksOk) && !summary.degraded();
    return new Health(ok ? "ok" : "degraded", summary, List.copyOf(accounts));
  }
}
