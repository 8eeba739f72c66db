package io.stopguard.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.guard.Watcher.AccountSnapshot;
import io.stopguard.store.PositionStatus;
import io.stopguard.store.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page of a fleet: each instance publishes the rows of the accounts it guards to the
 * shared store ({@code position_status}) and shows the others' rows from there, with their owner.
 * An account's rows are written when anything but the mark price or the time of the look changed,
 * and at least once a minute; reading is cached for 2 s (the event stream asks every 300 ms).
 */
public final class FleetRows {
  private static final Logger log = LoggerFactory.getLogger(FleetRows.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final long REFRESH_MS = 60_000;
  static final long READ_CACHE_MS = 2_000;

  private final Store store;
  private final String owner;
  private final Clock clock;
  private final Map<String, String> signatures = new HashMap<>();
  private final Map<String, Long> writtenAt = new HashMap<>();
  private volatile List<StatusView.Row> cached = List.of();
  private volatile long cachedAt;

  public FleetRows(Store store, String owner, Clock clock) {
    this.store = store;
    this.owner = owner;
    this.clock = clock;
  }

  /** Writes the accounts whose rows changed (or are due). Called every few seconds by `watch`; never throws. */
  public synchronized void publish(List<AccountSnapshot> accounts, Function<AccountSnapshot, List<StatusView.Row>> rows) {
    try {
      long now = clock.millis();
      Map<String, Map<String, String>> due = new LinkedHashMap<>();
      for (AccountSnapshot a : accounts) {
        if (a.lastOk() == null) continue; // never looked at: nothing to tell yet
        Map<String, String> json = new LinkedHashMap<>();
        StringBuilder sig = new StringBuilder();
        for (StatusView.Row r : rows.apply(a)) {
          json.put(r.key(), JSON.writeValueAsString(r));
          sig.append(r.key()).append(r.verdict()).append(r.stop()).append(r.size()).append(r.reason()).append(r.watchedBy()).append('|');
        }
        String s = sig.toString();
        if (!s.equals(signatures.get(a.userId())) || now - writtenAt.getOrDefault(a.userId(), 0L) >= REFRESH_MS) {
          due.put(a.userId(), json);
          signatures.put(a.userId(), s);
          writtenAt.put(a.userId(), now);
        }
      }
      store.positionStatus().replace(owner, due, clock.instant());
    } catch (JsonProcessingException | RuntimeException e) {
      signatures.clear(); // write everything again next time
      log.warn("status page: positions not published to the shared store ({}); other instances' pages show them stale",
          e.getMessage());
    }
  }

  /** The rows other instances published (cached for 2 s). */
  public Supplier<List<StatusView.Row>> others() {
    return () -> {
      long now = clock.millis();
      if (now - cachedAt < READ_CACHE_MS) return cached;
      List<StatusView.Row> out = new ArrayList<>();
      try {
        for (PositionStatus.Stored s : store.positionStatus().others(owner)) {
          out.add(JSON.readValue(s.rowJson(), StatusView.Row.class).trusted()); // its event name derived here, never read
        }
      } catch (JsonProcessingException | RuntimeException e) {
        log.warn("status page: other instances' positions not read: {}", e.getMessage());
        return cached;
      }
      cached = List.copyOf(out);
      cachedAt = now;
      return cached;
    };
  }
}
