package io.stopguard.check;

import io.stopguard.risk.PositionVerdict;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/** The outcome of one check over all active keys. */
public record CheckReport(List<AccountResult> accounts) {
  public CheckReport {
    accounts = List.copyOf(accounts);
  }

  public boolean complete() {
    return accounts.stream().allMatch(AccountResult::ok);
  }

  public List<PositionVerdict> verdicts() {
    return accounts.stream().flatMap(a -> a.ok() ? a.verdicts().stream() : Stream.empty()).toList();
  }

  /** Sorted, de-duplicated {@code user:SYMBOL:SIDE} of every position that is not protected. */
  public List<String> unprotected() {
    TreeSet<String> keys = new TreeSet<>();
    for (PositionVerdict v : verdicts()) if (!v.verdict().isProtected()) keys.add(v.key());
    return List.copyOf(keys);
  }

  /** The runbook's summary line: {@code stoploss_missing=[9001:BTCUSDT:LONG, ...]}. */
  public String summaryLine() {
    return "stoploss_missing=[" + String.join(", ", unprotected()) + "]";
  }
}
