package io.stopguard.sim;

import java.util.ArrayDeque;

/** Event times over a sliding window: the simulator's per-IP and per-connection limits count with it. */
final class SlidingWindow {
  private final long lengthMs;
  private final ArrayDeque<Long> times = new ArrayDeque<>();

  SlidingWindow(long lengthMs) {
    this.lengthMs = lengthMs;
  }

  /** Events in the window ending at {@code now}. */
  synchronized int count(long now) {
    while (!times.isEmpty() && now - times.peekFirst() >= lengthMs) times.pollFirst();
    return times.size();
  }

  /** Records an event at {@code now}; the count including it. */
  synchronized int add(long now) {
    count(now);
    times.addLast(now);
    return times.size();
  }

  synchronized void clear() {
    times.clear();
  }
}
