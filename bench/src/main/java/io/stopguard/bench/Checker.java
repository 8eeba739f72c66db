package io.stopguard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.stopguard.sim.SimHistory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chaos run's invariants ({@link Chaos}): a sampler of every position's protection every
 * 100 ms, judged against the excused windows; row counts that never shrink; and after the run the
 * simulator's history (duplicates, rate), the store's integrity, open incidents and printed secrets.
 */
final class Checker {
  private final Chaos run;

  Checker(Chaos run) {
    this.run = run;
  }

  /** Every 100 ms: which positions are bare; a bare stretch outside the excused windows over the SLA is a violation. */
  void sample() {
    while (!Thread.currentThread().isInterrupted()) {
      long now = System.currentTimeMillis();
      Map<String, Long> stops = run.sim.exchange().positionStops();
      for (Map.Entry<String, Long> e : stops.entrySet()) {
        if (e.getValue() == 0) run.bareSince.putIfAbsent(e.getKey(), now);
        else ended(e.getKey(), now);
      }
      for (String k : List.copyOf(run.bareSince.keySet())) if (!stops.containsKey(k)) ended(k, now);
      for (String k : List.copyOf(run.bareSince.keySet())) reportedOrSilent(k, now);
      GuardProcess w = run.watch;
      if (w != null && !w.process.isAlive() && !w.killedOnPurpose) {
        w.killedOnPurpose = true; // reported once
        run.violation("silent", "the watcher died by itself (exit " + w.process.exitValue() + ")");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** A bare position must be reported within this long: listed unprotected on /health, /health degraded, or not answering. */
  static final long REPORT_MS = 15_000;
  /** Position key (upper case) → when /health last listed it as unprotected. */
  private final Map<String, Long> reportedAt = new ConcurrentHashMap<>();
  /** When /health last said something is wrong: degraded, or no answer (a probe, systemd, Prometheus' up would see it). */
  private volatile long lastAlarmAt;
  private final Set<String> judgedSilent = ConcurrentHashMap.newKeySet();

  /** Every 500 ms: what /health says (its own thread, so a hung /health never stops the sampler). */
  void watchHealth() {
    while (!Thread.currentThread().isInterrupted()) {
      GuardProcess w = run.watch;
      JsonNode h = w == null || !w.process.isAlive() ? null : w.health();
      long now = System.currentTimeMillis();
      if (h == null || !"ok".equals(h.path("status").asText())) lastAlarmAt = now;
      if (h != null) {
        for (JsonNode a : h.path("accounts")) {
          for (JsonNode k : a.path("unprotected")) {
            reportedAt.put(k.asText().toUpperCase(Locale.ROOT), now);
          }
        }
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Bare for 15 s (excused or not) with nothing saying so: /health ok all along and the position listed nowhere. */
  private void reportedOrSilent(String key, long now) {
    Long since = run.bareSince.get(key);
    if (since == null || now - since < REPORT_MS || !judgedSilent.add(key + "@" + since)) return;
    // Pushes withheld while the sockets stay open: Bitget is not telling, and the guard cannot know
    // before its reconcile (the bare check excuses it up to one interval).
    for (Chaos.Excuse e : run.excuses) if (e.why().equals("WebSockets silent") && e.start() <= since && e.end() >= since) return;
    if (reportedAt.getOrDefault(key.toUpperCase(Locale.ROOT), 0L) >= since || lastAlarmAt >= since) return;
    run.violation("silent", key + " bare since " + run.rel(since) + " and nothing said so for " + (now - since) / 1000
        + " s (/health ok, the position listed nowhere)");
  }

  private void ended(String key, long now) {
    Long since = run.bareSince.remove(key);
    if (since == null) return;
    long worst = longestUnexcused(run.excuses, key.substring(0, key.indexOf(':')), since, now);
    long sla = run.o.grace().toMillis() + 5_000;
    if (worst > sla) {
      run.bareOverSla++;
      run.violation("bare", key + " bare for " + worst + " ms outside fault windows (SLA " + sla + " ms), bare from "
          + run.rel(since) + " to " + run.rel(now));
    }
  }

  /** The longest part of [from, to] not covered by an excuse for this uid. */
  static long longestUnexcused(List<Chaos.Excuse> excuses, String uid, long from, long to) {
    List<long[]> cover = new ArrayList<>();
    for (Chaos.Excuse e : excuses) if (e.uid() == null || e.uid().equals(uid)) cover.add(new long[] {e.start(), e.end()});
    cover.sort((a, b) -> Long.compare(a[0], b[0]));
    long worst = 0;
    long cursor = from;
    for (long[] c : cover) {
      if (c[1] <= cursor) continue;
      if (c[0] >= to) break;
      if (c[0] > cursor) worst = Math.max(worst, c[0] - cursor);
      cursor = Math.max(cursor, c[1]);
      if (cursor >= to) return worst;
    }
    return Math.max(worst, to - cursor);
  }

  /** No table ever shrinks (rows are never lost). */
  void checkRows() {
    try (Connection c = run.sqlite(); Statement st = c.createStatement()) {
      for (String table : List.of("user_exchange_keys", "incidents", "audit_log", "risk_flags")) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
          int n = rs.next() ? rs.getInt(1) : 0;
          Integer before = run.lastCounts.put(table, n);
          if (before != null && n < before) {
            run.lostRows++;
            run.violation("rows", table + " went from " + before + " to " + n + " rows");
          }
        }
      }
    } catch (SQLException e) {
      run.note("row count skipped: " + e.getMessage()); // busy for longer than the timeout; next round
    }
  }

  /** All faults off, the guard up: every position must be protected again within the SLA. */
  void quiesce() throws Exception {
    run.sim.faults().clear();
    run.sim.dropWebSockets(null);
    if (!run.watch.process.isAlive()) run.watch = run.startWatch();
    run.note("quiet: faults cleared");
    Chaos.pause(run.o.grace().toMillis() + 5_000 + Chaos.KEY_REFRESH_MS);
    long now = System.currentTimeMillis();
    for (String k : List.copyOf(run.bareSince.keySet())) ended(k, now);
    checkRows();
  }

  void checkHistory() {
    List<SimHistory.Event> events = run.sim.exchange().history().events();
    for (SimHistory.Event e : events) {
      if (e.kind().equals("place-attempt") && e.liveClientOid() != null && !e.liveClientOid().equals(e.clientOid())) {
        run.duplicates++;
        run.violation("duplicate", "a second pos_loss was attempted on " + e.uid() + ":" + e.symbol() + ":" + e.holdSide()
            + " at " + run.rel(e.t()) + " (clientOid " + e.clientOid() + ", live " + e.liveClientOid() + ")");
      }
      if (e.kind().equals("ip-refused")) {
        run.rate++;
        run.violation("rate", "Bitget's per-IP limit refused " + e.detail() + " at " + run.rel(e.t()));
      }
    }
    Deque<Long> window = new ArrayDeque<>();
    int max = 0;
    for (SimHistory.Event e : events) {
      if (!e.kind().equals("request")) continue;
      window.addLast(e.t());
      while (window.peekFirst() < e.t() - 60_000) window.removeFirst();
      max = Math.max(max, window.size());
    }
    if (max > 6_000) {
      run.rate++;
      run.violation("rate", max + " requests in one minute (Bitget allows 6000 per IP)");
    }
    run.note("requests: " + events.stream().filter(e -> e.kind().equals("request")).count() + " (max " + max + " in a minute)");
  }

  /** No secret in any output of any watcher process (logs, stack traces, alerts printed). */
  private void checkNoSecretPrinted() throws IOException {
    try (var files = Files.list(run.home)) {
      for (Path f : files.filter(x -> x.getFileName().toString().endsWith(".log")).toList()) {
        String text = Files.readString(f);
        if (text.contains(Chaos.SECRET_MARK) || text.contains(Chaos.PASS_MARK)) {
          run.violation("silent", "a secret was printed in " + f.getFileName());
        }
      }
    }
  }

  void checkEnd() throws SQLException, IOException {
    checkNoSecretPrinted();
    try (Connection c = run.sqlite(); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
        String r = rs.next() ? rs.getString(1) : "no answer";
        if (!"ok".equals(r)) {
          run.lostRows++;
          run.violation("rows", "PRAGMA integrity_check: " + r);
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT user_id || ':' || symbol || ':' || hold_side || ' since ' || detected_at"
          + " FROM incidents WHERE state IN ('open', 'restoring') AND escalated_at IS NULL")) {
        while (rs.next()) {
          run.violation("silent", "incident still open and not escalated after the quiet period: " + rs.getString(1));
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM user_exchange_keys")) {
        if (rs.next() && rs.getInt(1) != run.o.accounts()) {
          run.lostRows++;
          run.violation("rows", "user_exchange_keys holds " + rs.getInt(1) + " rows, " + run.o.accounts() + " were added");
        }
      }
    }
  }
}
