package io.stopguard.sim;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bitget's published limits, per UID (private endpoints) or per client IP (public ones), over
 * one-second windows. Over the limit: HTTP 429, code 429 "Too Many Requests".
 */
final class RateLimits {
  static final Map<String, Integer> PER_SECOND = Map.of(
      "/api/v2/public/time", 20,
      "/api/v2/mix/market/contracts", 20,
      "/api/v2/mix/position/all-position", 5,
      "/api/v2/mix/order/orders-plan-pending", 10,
      "/api/v2/mix/order/place-tpsl-order", 10,
      "/api/v2/mix/order/modify-tpsl-order", 10,
      "/api/v2/mix/order/cancel-plan-order", 10);

  private record Window(long second, int count) {}

  private record Key(String who, String path) {}

  private final Map<Key, Window> windows = new ConcurrentHashMap<>();
  volatile boolean enabled = true;

  /** Counts a request; false if it is over the limit. */
  boolean allow(String who, String path, long nowMs) {
    Integer limit = PER_SECOND.get(path);
    if (!enabled || limit == null) return true;
    long sec = nowMs / 1000;
    Window w = windows.compute(new Key(who, path), (k, old) ->
        old == null || old.second != sec ? new Window(sec, 1) : new Window(sec, old.count + 1));
    return w.count <= limit;
  }
}
