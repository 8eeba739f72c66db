package io.stopguard.bench;

import io.stopguard.bitget.IpBudget;
import io.stopguard.check.CheckReport;
import io.stopguard.check.StopLossCheck;
import io.stopguard.risk.Policy;
import io.stopguard.store.ExchangeKey;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The guard side of {@code bench/run --cold}: a JVM of its own, started cold (as a restarted
 * {@code watch} is) against a simulator that is already warm (as Bitget is), that reconciles the
 * capacity scenario's accounts ({@code u0…}) a few cycles in a row and prints one line per cycle:
 * {@code cycle N WALL_MS END_EPOCH_MS COMPLETE UNPROTECTED CPU_MS_SO_FAR}. Started by {@link GuardBench} with the
 * fat jar first on the class path, so the launcher's AOT cache applies to it as it does to {@code watch}.
 *
 * <p>Arguments: {@code BASE_URL ACCOUNTS PARALLELISM CYCLES}.
 */
public final class ColdGuard {
  private ColdGuard() {}

  public static void main(String[] args) {
    URI base = URI.create(args[0]);
    int accounts = Integer.parseInt(args[1]);
    int parallelism = Integer.parseInt(args[2]);
    int cycles = Integer.parseInt(args[3]);
    System.out.println("main " + System.currentTimeMillis());
    List<ExchangeKey> keys = GuardBench.capacityKeys(accounts);
    try (StopLossCheck check = new StopLossCheck(base, Duration.ofSeconds(30), parallelism, Policy.DEFAULT,
        IpBudget.unlimited())) {
      for (int cycle = 1; cycle <= cycles; cycle++) {
        long t0 = System.nanoTime();
        CheckReport report = check.run(keys);
        long wall = System.nanoTime() - t0;
        long cpu = ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
        System.out.printf(Locale.ROOT, "cycle %d %d %d %s %d %d%n", cycle, wall / 1_000_000, System.currentTimeMillis(),
            report.complete(), report.unprotected().size(), cpu);
      }
    }
  }
}
