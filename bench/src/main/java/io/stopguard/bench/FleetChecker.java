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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The fleet run's invariants ({@link FleetChaos}). Three samplers: every position's protection
 * every 100 ms (bare stretches judged against the excused windows, and reported within 15 s);
 * every member's /health every 500 ms; the database's live leases every second (an account held
 * by a member whose /health neither lists it nor says anything is wrong, for 15 s, is a silent
 * failure). After the run: duplicates and rate from the simulator's history, rows that never
 * shrink, open incidents, printed secrets.
 */
final class FleetChecker {
  private final FleetChaos run;
  /** When a member last said something is wrong: /health degraded, or no answer at all (its probe fails). */
  private volatile long lastAlarmAt;
  /** Position key (upper case) → when a member's /health last listed it as unprotected. */
  private final Map<String, Long> reportedAt = new ConcurrentHashMap<>();
  private final Set<String> judgedSilent = ConcurrentHashMap.newKeySet();
  /** owner:uid → since when the database says it is held and the owner's /health is "ok" without it. */
  private final Map<String, Long> heldUnguardedSince = new HashMap<>();
  private final Map<String, Integer> lastCounts = new HashMap<>();
  /** Bare stretches (ms), by the fault that covered them. */
  private final Map<String, List<Long>> bareMs = new ConcurrentHashMap<>();

  FleetChecker(FleetChaos run) {
    this.run = run;
  }

  /** Before the faults: every account held by some member (or 60 s). */
  void awaitEveryAccountHeld() throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try (Connection c = run.admin(FleetChaos.DATABASE); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT count(*) FROM lease_status WHERE owner IS NOT NULL AND expires_at > now()")) {
        if (rs.next() && rs.getInt(1) == run.o.accounts() && run.members.stream().allMatch(m -> m.instance != null)) {
          run.note("every account held");
          return;
        }
      } catch (SQLException e) {
        // the schema is not there yet
      }
      Chaos.pause(300);
    }
    run.note("not every account held after 60 s");
  }

  void sample() {
    while (!Thread.currentThread().isInterrupted()) {
      long now = System.currentTimeMillis();
      Map<String, Long> stops = run.sim.exchange().positionStops();
      for (Map.Entry<String, Long> e : stops.entrySet()) {
        if (e.getValue() == 0) {
          run.bareSince.putIfAbsent(e.getKey(), now);
          reportedOrSilent(e.getKey(), now);
        } else {
          ended(e.getKey(), now);
        }
      }
      for (String k : List.copyOf(run.bareSince.keySet())) if (!stops.containsKey(k)) ended(k, now);
      for (ChaosMember m : run.members) {
        GuardProcess p = m.proc;
        if (p != null && !p.process.isAlive() && !p.killedOnPurpose) {
          p.killedOnPurpose = true; // reported once
          run.violation("silent", "member " + m.n + " died by itself (exit " + p.process.exitValue() + ")");
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** A position bare for 15 s must have been reported by then: listed unprotected, a member degraded, or a member not answering. */
  private void reportedOrSilent(String key, long now) {
    Long since = run.bareSince.get(key);
    if (since == null || now - since < FleetChaos.REPORT_MS || judgedSilent.contains(key + "@" + since)) return;
    judgedSilent.add(key + "@" + since);
    long listed = reportedAt.getOrDefault(key.toUpperCase(Locale.ROOT), 0L);
    if (listed >= since || lastAlarmAt >= since) return;
    run.violation("silent", key + " bare since " + run.rel(since) + " and nothing said so for " + (now - since) / 1000
        + " s (every member's /health ok, the position listed nowhere)");
  }

  private void ended(String key, long now) {
    Long since = run.bareSince.remove(key);
    if (since == null) return;
    String uid = key.substring(0, key.indexOf(':'));
    long worst = Checker.longestUnexcused(run.excuses, uid, since, now);
    String cause = "no fault (outside cancel)";
    for (Chaos.Excuse e : run.excuses) {
      if ((e.uid() == null || e.uid().equals(uid)) && e.start() <= now && e.end() >= since) {
        cause = e.why();
        break;
      }
    }
    bareMs.computeIfAbsent(cause, c -> new CopyOnWriteArrayList<>()).add(now - since);
    if (worst > FleetChaos.SLA_MS) {
      run.violation("bare", key + " bare for " + worst + " ms outside fault windows (SLA " + FleetChaos.SLA_MS + " ms), bare from "
          + run.rel(since) + " to " + run.rel(now));
    }
  }

  /** Every member's /health every 500 ms; the live leases every second, against what their owners guard. */
  void watchHealthAndLeases() {
    long lastLeases = 0;
    while (!Thread.currentThread().isInterrupted()) {
      for (ChaosMember m : run.members) readHealth(m);
      long now = System.currentTimeMillis();
      if (now - lastLeases >= 1_000) {
        lastLeases = now;
        compareLeases(now);
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void readHealth(ChaosMember m) {
    GuardProcess p = m.proc;
    if (p == null) return;
    JsonNode h = m.paused || !p.process.isAlive() ? null : p.health();
    long now = System.currentTimeMillis();
    if (h == null) {
      lastAlarmAt = now; // its probe fails: Prometheus' up == 0, systemd, the load balancer all say so
      m.health = null;
      return;
    }
    m.health = h;
    m.healthAt = now;
    String id = h.path("fleet").path("instance").asText(null);
    if (id != null) m.instance = id;
    if (!"ok".equals(h.path("status").asText())) lastAlarmAt = now;
    for (JsonNode a : h.path("accounts")) {
      for (JsonNode k : a.path("unprotected")) reportedAt.put(k.asText().toUpperCase(Locale.ROOT), now);
    }
  }

  private void compareLeases(long now) {
    Map<String, Set<String>> held = new HashMap<>();
    try (Connection c = run.admin(FleetChaos.DATABASE); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT owner, user_id FROM lease_status WHERE owner IS NOT NULL AND expires_at > now()")) {
      while (rs.next()) held.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2));
    } catch (SQLException e) {
      heldUnguardedSince.clear(); // the database cannot be asked: the members say so (fenced) or not, the bare check judges
      return;
    }
    Set<String> seen = new HashSet<>();
    for (ChaosMember m : run.members) {
      JsonNode h = m.health;
      if (m.instance == null || h == null || now - m.healthAt > 1_500 || !"ok".equals(h.path("status").asText())) continue;
      Set<String> guarded = new HashSet<>();
      for (JsonNode a : h.path("accounts")) guarded.add(a.path("userId").asText());
      for (String uid : held.getOrDefault(m.instance, Set.of())) {
        if (guarded.contains(uid)) continue;
        String k = m.instance + ":" + uid;
        seen.add(k);
        long since = heldUnguardedSince.computeIfAbsent(k, x -> now);
        if (now - since >= FleetChaos.REPORT_MS) {
          heldUnguardedSince.put(k, Long.MAX_VALUE / 2); // reported once per stretch
          run.violation("silent", "member " + m.n + " holds " + uid + " in the database but does not guard it, and its /health"
              + " says ok (since " + run.rel(since) + ")");
        }
      }
    }
    heldUnguardedSince.keySet().retainAll(seen);
  }

  /** No table ever shrinks. */
  void checkRows() {
    try (Connection c = run.admin(FleetChaos.DATABASE); Statement st = c.createStatement()) {
      for (String table : List.of("user_exchange_keys", "incidents", "audit_log", "risk_flags")) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
          int n = rs.next() ? rs.getInt(1) : 0;
          Integer before = lastCounts.put(table, n);
          if (before != null && n < before) run.violation("rows", table + " went from " + before + " to " + n + " rows");
        }
      }
    } catch (SQLException e) {
      // the database is down or locked (a fault); next round
    }
  }

  /** All faults off, every member up: every position protected again within the takeover bound. */
  void quiesce() throws Exception {
    run.note("quiet: faults cleared");
    Chaos.pause(FleetChaos.TAKEOVER_MS + FleetChaos.SLA_MS + Chaos.KEY_REFRESH_MS);
    long now = System.currentTimeMillis();
    for (String k : List.copyOf(run.bareSince.keySet())) ended(k, now);
    checkRows();
  }

  /** Per fault kind: how many positions went bare, the median and the longest stretch, and the bare position-seconds in all. */
  List<String> bareByFault() {
    List<String> out = new ArrayList<>();
    double total = 0;
    for (Map.Entry<String, List<Long>> e : new TreeMap<>(bareMs).entrySet()) {
      List<Long> d = e.getValue().stream().sorted().toList();
      total += d.stream().mapToLong(Long::longValue).sum() / 1000.0;
      out.add(String.format(Locale.ROOT, "  %-40s bare %3d x  median %5.1f s  max %5.1f s", e.getKey(), d.size(),
          d.get(d.size() / 2) / 1000.0, d.getLast() / 1000.0));
    }
    out.add(String.format(Locale.ROOT, "  bare position-seconds in all: %.1f", total));
    return out;
  }

  void checkHistory() {
    List<SimHistory.Event> events = run.sim.exchange().history().events();
    for (SimHistory.Event e : events) {
      if (e.kind().equals("place-attempt") && e.liveClientOid() != null && !e.liveClientOid().equals(e.clientOid())) {
        run.violation("duplicate", "a second pos_loss was attempted on " + e.uid() + ":" + e.symbol() + ":" + e.holdSide()
            + " at " + run.rel(e.t()) + " (clientOid " + e.clientOid() + ", live " + e.liveClientOid() + ")");
      }
      if (e.kind().equals("ip-refused")) run.violation("rate", "Bitget's per-IP limit refused " + e.detail() + " at " + run.rel(e.t()));
    }
    run.note("requests: " + events.stream().filter(e -> e.kind().equals("request")).count());
  }

  /** After the run: open incidents, every key row still there, no secret printed by any member. */
  void checkEnd() throws IOException {
    for (ChaosMember m : run.members) {
      try (var files = Files.list(m.home)) {
        for (Path f : files.filter(x -> x.getFileName().toString().endsWith(".log")).toList()) {
          String text = Files.readString(f);
          if (text.contains(Chaos.SECRET_MARK) || text.contains(Chaos.PASS_MARK)) {
            run.violation("silent", "a secret was printed in host" + m.n + "/" + f.getFileName());
          }
        }
      }
    }
    try (Connection c = run.admin(FleetChaos.DATABASE); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT user_id || ':' || symbol || ':' || hold_side || ' since ' || detected_at"
          + " FROM incidents WHERE state IN ('open', 'restoring') AND escalated_at IS NULL")) {
        while (rs.next()) run.violation("silent", "incident still open and not escalated after the quiet period: " + rs.getString(1));
      }
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM user_exchange_keys")) {
        if (rs.next() && rs.getInt(1) != run.o.accounts()) {
          run.violation("rows", "user_exchange_keys holds " + rs.getInt(1) + " rows, " + run.o.accounts() + " were added");
        }
      }
    } catch (SQLException e) {
      run.violation("rows", "the database cannot be read after the run: " + e.getMessage());
    }
  }
}
