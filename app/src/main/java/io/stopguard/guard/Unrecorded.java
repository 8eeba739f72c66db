package io.stopguard.guard;

import io.stopguard.check.AccountResult;
import io.stopguard.check.CheckReport;
import io.stopguard.check.CheckService;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Store;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.store.AuditEntry;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/**
 * What one account's watcher saw and did while the store did not answer, in order and with the
 * real times: the looks it could not record and the stops it placed without the store. Written,
 * in order, by the account's next look that the store accepts, so the history says when the stop
 * went and when it came back, not when the store answered again.
 *
 * <p>Memory only, and bounded: a process that dies during a store outage loses these records (the
 * stops it placed stay on the exchange, and the next look credits them to the guard by their
 * audit rows when it can, else by their clientOid pattern as "external"). Only one look at a time
 * runs per account, so this is touched by one thread at a time; the monitor is for /health.
 */
final class Unrecorded {
  /** Events kept per account at most: the oldest look goes first (a store out for hours keeps the latest). */
  static final int MAX = 200;

  sealed interface Event {
    Instant at();
  }

  /** A look whose verdicts the store did not take; {@code bareSince}: when newly bare positions lost their stop. */
  record Look(Instant at, List<PositionVerdict> verdicts, Map<String, BareSince> bareSince) implements Event {}

  /** A request sent without the store (its audit row), for the incident of {@code positionKey}. */
  record Sent(Instant at, String positionKey, AuditEntry audit) implements Event {}

  /** When a position lost its stop: a push's time from Bitget ({@code exact}), or the last look that saw it protected. */
  record BareSince(Instant since, boolean exact) {}

  private final ArrayDeque<Event> events = new ArrayDeque<>();
  private int dropped;

  synchronized void look(Look look) {
    // An unchanged look adds nothing to the history: keep the first of a run (its time is the one that matters).
    for (var it = events.descendingIterator(); it.hasNext(); ) {
      Event e = it.next();
      if (e instanceof Look last) {
        if (same(last.verdicts(), look.verdicts()) && look.bareSince().isEmpty()) return;
        break;
      }
    }
    add(look);
  }

  synchronized void sent(Sent sent) {
    add(sent);
  }

  private void add(Event e) {
    events.addLast(e);
    while (events.size() > MAX) {
      // Drop the oldest look; a sent request's audit row is the last thing to lose.
      Event gone = events.stream().filter(x -> x instanceof Look).findFirst().orElse(events.peekFirst());
      events.remove(gone);
      dropped++;
    }
  }

  private static boolean same(List<PositionVerdict> a, List<PositionVerdict> b) {
    if (a.size() != b.size()) return false;
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).key().equals(b.get(i).key()) || a.get(i).verdict() != b.get(i).verdict()) return false;
    }
    return true;
  }

  /**
   * Inside the transaction of the account's next look the store accepts: the looks and requests of
   * the outage, in order, at their own times (incidents open and end when they did; audit rows carry
   * when they were sent). Returns how many were written; {@link #written} drops them after the commit.
   */
  int write(Store store, CheckService service, ExchangeKey key) {
    List<Event> events = pending();
    for (Event e : events) {
      switch (e) {
        case Look l -> {
          service.applyIncidents(new CheckReport(List.of(new AccountResult(key.userId(),
              key.credentials().maskedKey(), l.verdicts(), null))), List.of(key), l.at());
          writeBareSince(store, key.userId(), l.bareSince(), l.verdicts());
        }
        case Sent s -> {
          store.journal().audit(s.audit(), s.at());
          if ("place".equals(s.audit().action())) {
            store.incidents().open().stream().filter(i -> i.key().equals(s.positionKey())).findFirst()
                .ifPresent(i -> store.incidents().restoring(i.id(), s.at()));
          }
        }
      }
    }
    return events.size();
  }

  /** The times positions lost their stops, written to their open incidents (the time to detect). */
  static void writeBareSince(Store store, String userId, Map<String, BareSince> newlyBare,
      List<PositionVerdict> verdicts) {
    for (PositionVerdict v : verdicts) {
      BareSince b = newlyBare.get(v.key());
      if (b != null) store.incidents().bareSince(userId, v.position().symbol(), v.position().holdSide().name(), b.since(), b.exact());
    }
  }

  /** Everything waiting, oldest first (it stays until {@link #written}). */
  synchronized List<Event> pending() {
    return List.copyOf(events);
  }

  /** The first {@code n} events are in the store now. */
  synchronized void written(int n) {
    for (int i = 0; i < n && !events.isEmpty(); i++) events.removeFirst();
  }

  /** Forgets everything (the account went to another instance: its history from here is that one's). */
  synchronized int discard() {
    int n = events.size();
    events.clear();
    return n;
  }

  /** Events dropped for the bound since the process started. */
  synchronized int dropped() {
    return dropped;
  }

  synchronized int size() {
    return events.size();
  }
}
