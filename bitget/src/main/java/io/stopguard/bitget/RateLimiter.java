package io.stopguard.bitget;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bitget's published request limits for one UID, per endpoint, over a sliding second. {@link
 * #acquire} waits until a request fits, so a burst of pushes cannot earn a 429.
 */
final class RateLimiter {
  /** Requests per second per UID (public endpoints: per IP, shared here per client). */
  static final Map<String, Integer> LIMITS = Map.ofEntries(
      Map.entry("/api/v2/public/time", 20),
      Map.entry("/api/v2/mix/market/contracts", 20),
      Map.entry("/api/v2/mix/market/ticker", 20),
      Map.entry("/api/v2/mix/account/account", 10),
      Map.entry("/api/v2/mix/position/all-position", 5),
      Map.entry("/api/v2/mix/position/single-position", 10),
      Map.entry("/api/v2/mix/order/orders-plan-pending", 10),
      Map.entry("/api/v2/mix/order/place-tpsl-order", 10),
      Map.entry("/api/v2/mix/order/place-pos-tpsl", 10),
      Map.entry("/api/v2/mix/order/modify-tpsl-order", 10),
      Map.entry("/api/v2/mix/order/cancel-plan-order", 10));

  private final Map<String, ArrayDeque<Long>> windows = new ConcurrentHashMap<>();
  private final double headroom;

  /** @param headroom fraction of the published limit to use (e.g. 0.9 leaves room for clock jitter) */
  RateLimiter(double headroom) {
    this.headroom = headroom;
  }

  void acquire(String path) throws InterruptedException {
    Integer published = LIMITS.get(path);
    if (published == null) return;
    int limit = Math.max(1, (int) Math.floor(published * headroom));
    ArrayDeque<Long> w = windows.computeIfAbsent(path, k -> new ArrayDeque<>());
    while (true) {
      long wait;
      synchronized (w) {
        long now = System.nanoTime();
        while (!w.isEmpty() && now - w.peekFirst() >= 1_000_000_000L) w.pollFirst();
        if (w.size() < limit) {
          w.addLast(now);
          return;
        }
        wait = 1_000_000_000L - (now - w.peekFirst());
      }
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }
}
