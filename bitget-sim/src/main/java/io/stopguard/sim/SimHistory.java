package io.stopguard.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What happened on the exchange, in order, for a checker to read afterwards (the fault harness):
 * every request with its source, every stop-placement attempt with what was live on the position
 * at that instant, and what was done "from outside". Off unless {@link #enable} is called, so
 * tests and drills pay nothing for it.
 */
public final class SimHistory {
  /**
   * One event. {@code kind}: request, place-attempt, outside-cancel, outside-open, outside-close.
   * For a place-attempt of a pos_loss, {@code liveClientOid} is the clientOid of the pos_loss already
   * live on that position when the attempt arrived (null if none): an attempt under another id
   * would be a second stop on an exchange that accepted it.
   */
  public record Event(long t, String kind, String uid, String symbol, String holdSide, String planType, String clientOid,
      String liveClientOid, String detail) {}

  private final List<Event> events = new ArrayList<>();
  private volatile boolean enabled;
  private final Map<String, Long> lastRequestByUid = new ConcurrentHashMap<>();

  public void enable() {
    enabled = true;
  }

  void add(long t, String kind, String uid, String symbol, String holdSide, String planType, String clientOid,
      String liveClientOid, String detail) {
    if (!enabled) return;
    if (kind.equals("request") && uid != null) lastRequestByUid.put(uid, t); // lets a nemesis see an account go quiet
    synchronized (events) {
      events.add(new Event(t, kind, uid, symbol, holdSide, planType, clientOid, liveClientOid, detail));
    }
  }

  /** When the last signed request of this account arrived (exchange time, ms), 0 if none. */
  public long lastRequestAt(String uid) {
    return lastRequestByUid.getOrDefault(uid, 0L);
  }

  /** A copy of every event so far, oldest first. */
  public List<Event> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }
}
