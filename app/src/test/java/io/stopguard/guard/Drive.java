package io.stopguard.guard;

import static org.awaitility.Awaitility.await;

import io.stopguard.ManualTime;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * Driving watchers on {@link ManualTime} in tests: their looks are real (HTTP to the simulator, on
 * their own threads), their waiting is not. Real time only bounds how long a test may take.
 */
final class Drive {
  private Drive() {}

  /** Every look in flight has ended (timers not yet due stay pending: only {@link ManualTime#advance} fires them). */
  static void settle(Watcher... watchers) {
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(2)).until(() -> Arrays.stream(watchers)
        .allMatch(Watcher::idle));
  }

  /** Moves time {@code step} at a time, letting each look it causes end before the next step, until {@code done}. */
  static void advanceUntil(ManualTime time, Duration step, Callable<Boolean> done, Watcher... watchers) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> {
      if (done.call()) return true;
      time.advance(step);
      settle(watchers);
      return done.call();
    });
  }

  /** Every account's WebSocket is live and its first look has ended. */
  static void awaitLive(ManualTime time, Watcher... watchers) {
    advanceUntil(time, Duration.ofMillis(20), () -> Arrays.stream(watchers).allMatch(w -> w.health().stream()
        .allMatch(a -> "live".equals(a.webSocket()) && a.lastReconcile() != null)), watchers);
    settle(watchers);
  }
}
