package io.stopguard.bitget;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bitget's clock as a process knows it: the offset between Bitget's clock and the local one,
 * added to every signature's timestamp. Bitget refuses a request or a WebSocket login whose
 * timestamp is more than 30 s off its own (40008, 30014), so a host clock that drifted would
 * otherwise silence every account at once. Clients built with the same {@code ServerClock}
 * ({@link BitgetClient.Builder#serverClock}) share one measurement.
 */
public final class ServerClock {
  private final AtomicLong offsetMillis = new AtomicLong();
  private volatile boolean measured;

  /** Bitget's clock minus the local one, in ms (0 until measured). */
  public long offsetMillis() {
    return offsetMillis.get();
  }

  /** Whether the offset was measured at least once. */
  public boolean measured() {
    return measured;
  }

  void set(long offset) {
    offsetMillis.set(offset);
    measured = true;
  }
}
