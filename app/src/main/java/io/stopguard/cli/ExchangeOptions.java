package io.stopguard.cli;

import io.stopguard.check.StopLossCheck;
import io.stopguard.risk.Policy;
import java.net.URI;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How to reach Bitget: endpoint and timeout, shared by every command that talks to the exchange. */
public final class ExchangeOptions {
  @Option(names = "--base-url", paramLabel = "URL",
      description = "Bitget endpoint. Default: $STOPGUARD_BITGET_BASE_URL, else https://api.bitget.com.")
  String baseUrl;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
      description = "Per-request timeout in seconds (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  URI baseUrl(Cli cli) {
    return HomeOptions.bitgetBaseUrl(cli, baseUrl);
  }

  Duration timeout() {
    if (timeoutSeconds < 1 || timeoutSeconds > 300) throw new UsageException("--timeout must be 1..300 seconds");
    return Duration.ofSeconds(timeoutSeconds);
  }

  StopLossCheck check(Cli cli, Policy policy) {
    return new StopLossCheck(baseUrl(cli), timeout(), 32, policy);
  }

  /** A check whose clients share {@code budget} (the watcher's per-IP limits). */
  StopLossCheck check(Cli cli, Policy policy, io.stopguard.bitget.IpBudget budget) {
    return new StopLossCheck(baseUrl(cli), timeout(), 32, policy, budget);
  }
}
