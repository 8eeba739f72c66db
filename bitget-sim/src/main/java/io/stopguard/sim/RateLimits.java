package io.stopguard.sim;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bitget's published limits, per UID (private endpoints) or per client IP (public ones), over a
 * <em>sliding</em> second: at most N requests in any 1,000 ms, so a burst across a calendar-second
 * boundary is refused (stricter than per-calendar-second counting, which would let 2N through in
 * a few milliseconds; Bitget does not say which it uses). Over the limit: HTTP 429, code 429.
 *
 * <p>Per IP on top of those: 6000 REST requests per sliding minute over all endpoints, after which
 * the IP gets 429 for 5 minutes ("takes 5 minutes to recover"); and for the private WebSocket at
 * most 100 open connections and 300 connection requests per sliding 5 minutes (rejected ones count).
 */
final class RateLimits {
  /** Requests per second, from each endpoint's page in Bitget's docs ("Rate limit: N times/1s (UID|IP)"). */
  static final Map<String, Integer> PER_SECOND = Map.ofEntries(
      Map.entry("/api/v2/public/time", 20),
      Map.entry("/api/v2/spot/public/coins", 3),
      Map.entry("/api/v2/spot/public/symbols", 20),
      Map.entry("/api/v2/margin/currencies", 10),
      Map.entry("/api/v2/mix/market/contracts", 20),
      Map.entry("/api/v2/mix/market/ticker", 20),
      Map.entry("/api/v2/mix/market/symbol-price", 20),
      Map.entry("/api/v2/mix/account/account", 10),
      Map.entry("/api/v2/mix/account/accounts", 10),
      Map.entry("/api/v2/mix/account/set-leverage", 5),
      Map.entry("/api/v2/mix/account/set-position-mode", 5),
      Map.entry("/api/v2/mix/position/all-position", 5),
      Map.entry("/api/v2/mix/position/single-position", 10),
      Map.entry("/api/v2/mix/order/orders-plan-pending", 10),
      Map.entry("/api/v2/mix/order/orders-pending", 10),
      Map.entry("/api/v2/mix/order/detail", 10),
      Map.entry("/api/v2/mix/order/place-order", 10),
      Map.entry("/api/v2/mix/order/cancel-order", 10),
      Map.entry("/api/v2/mix/order/place-plan-order", 10),
      Map.entry("/api/v2/mix/order/place-tpsl-order", 10),
      Map.entry("/api/v2/mix/order/place-pos-tpsl", 10),
      Map.entry("/api/v2/mix/order/modify-tpsl-order", 10),
      Map.entry("/api/v2/mix/order/cancel-plan-order", 10));

  private record Key(String who, String path) {}

  static final int IP_REQUESTS_PER_MINUTE = 6000;
  static final long IP_PENALTY_MS = 5 * 60_000;
  static final int IP_MAX_CONNECTIONS = 100;
  static final int IP_CONNECTS_PER_5_MIN = 300;
  static final long CONNECT_WINDOW_MS = 5 * 60_000;

  private final Map<Key, SlidingWindow> windows = new ConcurrentHashMap<>();
  private final Map<String, Ip> ips = new ConcurrentHashMap<>();
  volatile boolean enabled = true;
  /** Requests and handshakes refused for a limit (benchmarks: a guard that keeps the limits sees none). */
  final AtomicLong refused = new AtomicLong();

  /** One client IP's sliding windows. */
  private static final class Ip {
    final SlidingWindow requests = new SlidingWindow(60_000);
    final SlidingWindow connects = new SlidingWindow(CONNECT_WINDOW_MS);
    long penaltyUntil;
    int open;
  }

  /** Counts a REST request against the IP's minute; false while over it or in the 5-minute penalty. */
  boolean allowIp(String ip, long nowMs) {
    if (!enabled) return true;
    Ip w = ips.computeIfAbsent(ip, k -> new Ip());
    synchronized (w) {
      if (nowMs < w.penaltyUntil) {
        refused.incrementAndGet();
        return false;
      }
      if (w.requests.count(nowMs) >= IP_REQUESTS_PER_MINUTE) {
        w.penaltyUntil = nowMs + IP_PENALTY_MS;
        w.requests.clear();
        refused.incrementAndGet();
        return false;
      }
      w.requests.add(nowMs);
      return true;
    }
  }

  /**
   * A WebSocket handshake from {@code ip}: null if it may open (and is counted as open until
   * {@link #connectionClosed}), otherwise why not.
   */
  String admitConnection(String ip, long nowMs) {
    Ip w = ips.computeIfAbsent(ip, k -> new Ip());
    synchronized (w) {
      if (enabled) {
        if (w.connects.add(nowMs) > IP_CONNECTS_PER_5_MIN) { // every request counts, rejected or not
          refused.incrementAndGet();
          return "over 300 connection requests per IP per 5 minutes";
        }
        if (w.open >= IP_MAX_CONNECTIONS) {
          refused.incrementAndGet();
          return "over 100 connections per IP";
        }
      }
      w.open++;
      return null;
    }
  }

  void connectionClosed(String ip) {
    Ip w = ips.get(ip);
    if (w == null) return;
    synchronized (w) {
      w.open = Math.max(0, w.open - 1);
    }
  }

  /** Counts a request; false if it is over the limit. */
  boolean allow(String who, String path, long nowMs) {
    Integer limit = PER_SECOND.get(path);
    if (!enabled || limit == null) return true;
    SlidingWindow w = windows.computeIfAbsent(new Key(who, path), k -> new SlidingWindow(1000));
    if (w.add(nowMs) <= limit) return true; // refused requests count too (stricter; Bitget does not say)
    refused.incrementAndGet();
    return false;
  }
}
