package io.stopguard.bench;

import io.stopguard.sim.FakeTelegram;
import io.stopguard.sim.Faults;
import io.stopguard.sim.Scenario;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The chaos run's faults ({@link Chaos}): each draws its target and timing from the run's seeded
 * random source, records itself (a note, a count) and, where the guard cannot be expected to
 * protect meanwhile, an excused window for the checker.
 */
final class Nemesis {
  private final Chaos run;

  Nemesis(Chaos run) {
    this.run = run;
  }

  /** One fault, drawn from the seeded random source; returns when it is over. */
  void strike() throws Exception {
    int roll = run.rnd.nextInt(100);
    // The guard's own dependencies first (its store, its clock, its own pauses), then Bitget's. They
    // last 10–60 s each: a run under two minutes (the smoke run in ./mvnw verify) draws the rest only.
    if (roll < 12 && run.o.minutes() < 2) cancelFromOutside();
    else if (roll < 3) storeLocked();
    else if (roll < 5) clockSkewed();
    else if (roll < 6) longPause();
    else if (roll < 8) throttledEpisodeWithCancels();
    else if (roll < 10) telegramDown();
    else if (roll < 12) diskFull();
    else if (roll < 30) cancelFromOutside();
    else if (roll < 38) raceACancelWithTheRestore();
    else if (roll < 46) closeOrResizeDuringRestore();
    else if (roll < 50) reopenAClosedPosition();
    else if (roll < 55) kill9();
    else if (roll < 60) sigstop();
    else if (roll < 66) lostAnswers();
    else if (roll < 68) burst("429");
    else if (roll < 71) throttledWhileKnownBare();
    else if (roll < 76) burst("5xx");
    else if (roll < 80) burst("broken");
    else if (roll < 85) slowAnswers();
    else if (roll < 89) webSockets();
    else if (roll < 91) corruptKeyRow();
    else if (roll < 93) keyBitgetCannotAccept();
    else if (roll < 96) missingMasterKey();
    else secondWatcher();
  }

  private void count(String kind) {
    run.faults.merge(kind, 1, Integer::sum);
  }

  private String[] randomPosition() {
    String uid = Chaos.uid(run.rnd.nextInt(run.o.accounts()));
    String[] p = Chaos.SYMBOLS[run.rnd.nextInt(Chaos.SYMBOLS.length)].split(":");
    return new String[] {uid, p[0], p[1], p[2], p[3]};
  }

  private void cancelFromOutside() {
    String[] p = randomPosition();
    int n = run.sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    count("outside-cancel");
    run.note("outside cancel " + p[0] + ":" + p[1] + ":" + p[2] + " (" + n + ")");
  }

  /** The guard is restoring (after grace) when the stop it placed is cancelled again. */
  private void raceACancelWithTheRestore() throws InterruptedException {
    String[] p = randomPosition();
    run.sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    Chaos.pause(run.o.grace().toMillis() + 50 + run.rnd.nextInt(400));
    int n = run.sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    count("cancel-racing-restore");
    run.note("cancel racing the restore " + p[0] + ":" + p[1] + ":" + p[2] + " (second cancel hit " + n + ")");
  }

  private void closeOrResizeDuringRestore() throws InterruptedException {
    String[] p = randomPosition();
    run.sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    Chaos.pause(run.o.grace().toMillis() + run.rnd.nextInt(300));
    if (run.rnd.nextBoolean()) {
      run.sim.exchange().closePosition(p[0], p[1], p[2]);
      count("close-during-restore");
      run.note("position closed during the restore " + p[0] + ":" + p[1] + ":" + p[2]);
    } else {
      BigDecimal size = new BigDecimal(p[3]).multiply(BigDecimal.valueOf(2));
      run.sim.exchange().openPosition(p[0], new Scenario.PositionSpec(p[1], p[2], size, new BigDecimal(p[4]), null, null, null));
      count("resize-during-restore");
      run.note("position resized during the restore " + p[0] + ":" + p[1] + ":" + p[2] + " to " + size.toPlainString());
    }
  }

  private void reopenAClosedPosition() {
    String[] p = randomPosition();
    if (run.sim.exchange().positionStops().containsKey(p[0] + ":" + p[1] + ":" + p[2])) {
      run.sim.exchange().closePosition(p[0], p[1], p[2]);
      count("close");
      run.note("position closed " + p[0] + ":" + p[1] + ":" + p[2]);
    } else {
      run.sim.exchange().openPosition(p[0], new Scenario.PositionSpec(p[1], p[2], new BigDecimal(p[3]), new BigDecimal(p[4]),
          null, null, null));
      count("open-bare");
      run.note("position opened without a stop " + p[0] + ":" + p[1] + ":" + p[2]);
    }
  }

  private void kill9() throws Exception {
    long start = System.currentTimeMillis();
    run.excuses.add(new Chaos.Excuse(null, start, Long.MAX_VALUE, "watcher killed"));
    Chaos.Excuse open = run.excuses.getLast();
    run.watch.kill();
    count("sigkill");
    run.note("SIGKILL watch");
    Chaos.pause(run.rnd.nextInt(2_000));
    run.watch = run.startWatch();
    run.excuses.remove(open);
    run.excuses.add(new Chaos.Excuse(null, start, System.currentTimeMillis() + Chaos.ALLOWANCE_MS, "watcher killed and restarted"));
  }

  private void sigstop() throws Exception {
    stopFor(1_000 + run.rnd.nextInt(4_000), false);
  }

  /** place-tpsl-order executes but its answer outlives the client's timeout; a stop is cancelled meanwhile. */
  private void lostAnswers() throws InterruptedException {
    long ms = 3_000 + run.rnd.nextInt(4_000);
    run.sim.faults().set("/api/v2/mix/order/place-tpsl-order", Faults.Spec.lateAnswer(2_500 + run.rnd.nextInt(2_000)));
    count("answer-lost-after-execution");
    run.note("answers of place-tpsl-order held past the timeout for " + ms + " ms");
    String[] p = randomPosition();
    run.sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    long until = System.currentTimeMillis() + ms;
    // cancel the guard's stop as soon as it shows, before its look-up after the timeout can see it
    while (System.currentTimeMillis() < until) {
      if (run.sim.exchange().positionStops().getOrDefault(p[0] + ":" + p[1] + ":" + p[2], 0L) > 0) {
        run.sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
        // One answer lost, as in the field; later ones come back in time (a place endpoint that never
        // answers is a Bitget outage, which the escalation covers, not this fault).
        run.sim.faults().clear();
        run.note("cancelled the restored stop of " + p[0] + ":" + p[1] + ":" + p[2] + " while its answer was held");
        break;
      }
      Chaos.pause(5);
    }
    Chaos.pause(Math.max(0, until - System.currentTimeMillis()));
    run.sim.faults().clear();
  }

  private void burst(String kind) throws InterruptedException {
    long ms = 2_000 + run.rnd.nextInt(4_000);
    Faults.Spec spec = switch (kind) {
      case "429" -> new Faults.Spec(0, 0, 0, 1_000_000, 0, 0);
      case "5xx" -> new Faults.Spec(0, 0, 0.5 + run.rnd.nextDouble() / 2, 0, 0, 0);
      default -> new Faults.Spec(0, 0, 0, 0, 0.3, 0.3);
    };
    long start = System.currentTimeMillis();
    run.excuses.add(new Chaos.Excuse(null, start, start + ms + Chaos.ALLOWANCE_MS + 1_000, kind + " burst"));
    run.sim.faults().set("*", spec);
    count(kind + "-burst");
    run.note(kind + " burst for " + ms + " ms");
    if (run.rnd.nextBoolean()) cancelFromOutside(); // a stop lost while Bitget does not answer
    Chaos.pause(ms);
    run.sim.faults().clear();
  }

  /**
   * Another process holds trading.db's write lock (sqlite3 in a transaction) for 10–40 s, and stops
   * are cancelled while it does: nothing is excused, so each must be back within the SLA, placed
   * without the store. A lock held over 18 s must show on /health within 15 s.
   */
  private void storeLocked() throws Exception {
    long ms = 10_000 + run.rnd.nextInt(30_000);
    Process holder = new ProcessBuilder("sqlite3", run.db.toString()).redirectErrorStream(true).start();
    try {
      OutputStream in = holder.getOutputStream();
      in.write((".timeout 10000\nBEGIN EXCLUSIVE;\nINSERT INTO risk_flags (flag, value, updated_at, detail)"
          + " VALUES ('chaos-lock', 0, 'x', 'x');\nSELECT 'lock' || 'held';\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
          StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.contains("lockheld")) {
        if (line.contains("Error")) {
          run.note("store lock not taken: " + line);
          return;
        }
      }
      count("store-locked");
      run.note("trading.db write lock held by sqlite3 for " + ms + " ms");
      storeGoneFor(ms, "trading.db locked");
      in.write("ROLLBACK;\n.quit\n".getBytes(StandardCharsets.UTF_8));
      in.close();
      holder.waitFor(5, TimeUnit.SECONDS);
      run.note("trading.db lock released");
    } finally {
      holder.destroyForcibly();
    }
  }

  /**
   * The watcher restarted under libfaketime, its clock 90 s ahead or behind, for 20–40 s: it must
   * sign with Bitget's time and keep guarding (only the restart is excused), then back on the host's clock.
   */
  private void clockSkewed() throws Exception {
    String skew = run.rnd.nextBoolean() ? "+90s" : "-90s";
    long start = System.currentTimeMillis();
    Chaos.Excuse open = new Chaos.Excuse(null, start, Long.MAX_VALUE, "watcher restarted under a skewed clock");
    run.excuses.add(open);
    run.watch.kill();
    run.watch = run.startWatch(List.of("/usr/bin/faketime", "-f", skew));
    run.excuses.remove(open);
    run.excuses.add(new Chaos.Excuse(null, start, System.currentTimeMillis() + Chaos.ALLOWANCE_MS, "watcher restarted under a skewed clock"));
    count("clock-skew");
    run.note("watch restarted with its clock " + skew);
    long ms = 20_000 + run.rnd.nextInt(20_000);
    long until = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < until) {
      Chaos.pause(2_000 + run.rnd.nextInt(4_000));
      cancelFromOutside();
    }
    long back = System.currentTimeMillis();
    Chaos.Excuse restart = new Chaos.Excuse(null, back, Long.MAX_VALUE, "watcher restarted on the host's clock");
    run.excuses.add(restart);
    run.watch.kill();
    run.watch = run.startWatch();
    run.excuses.remove(restart);
    run.excuses.add(new Chaos.Excuse(null, back, System.currentTimeMillis() + Chaos.ALLOWANCE_MS, "watcher restarted on the host's clock"));
    run.note("watch restarted on the host's clock");
  }

  /**
   * SIGSTOP for 20–60 s (a VM paused): excused while it lasts; on waking it must say so on /health
   * (processPauses) within 5 s, and look at everything (the SLA applies from the wake-up).
   */
  private void longPause() throws Exception {
    stopFor(20_000 + run.rnd.nextInt(40_000), true);
  }

  /** SIGSTOP for {@code ms}; a long one loses a stop while it sleeps and must be told on waking. */
  private void stopFor(long ms, boolean longOne) throws Exception {
    long start = System.currentTimeMillis();
    run.excuses.add(new Chaos.Excuse(null, start, start + ms + Chaos.ALLOWANCE_MS, "watcher stopped"));
    run.watch.signal("STOP");
    count(longOne ? "long-sigstop" : "sigstop");
    run.note("SIGSTOP watch for " + ms + " ms");
    if (longOne) {
      Chaos.pause(ms / 2);
      cancelFromOutside(); // lost while it sleeps
      Chaos.pause(ms - ms / 2);
    } else {
      Chaos.pause(ms);
    }
    run.watch.signal("CONT");
    if (longOne && !run.watch.awaitHealth(5_000, h -> h.path("processPauses").asInt() > 0)) {
      run.violation("silent", "paused for " + ms + " ms but /health shows no process pause");
    }
  }

  /**
   * The home's disk full (a 64 MB tmpfs filled to the last byte) for 10–30 s while stops are
   * cancelled: nothing is excused (each stop back within the SLA, placed without the store); a disk
   * full over 18 s must show on /health within 10 s. Skipped when the home is not a tmpfs.
   */
  private void diskFull() throws Exception {
    if (!run.homeOnTmpfs) return;
    long ms = 10_000 + run.rnd.nextInt(20_000);
    Path filler = run.home.resolve("disk-filler");
    try (OutputStream out = Files.newOutputStream(filler)) {
      byte[] block = new byte[1 << 16];
      while (true) out.write(block);
    } catch (IOException full) {
      // no space left on device: as wanted
    }
    count("disk-full");
    run.note("home's disk full for " + ms + " ms (" + Files.size(filler) / 1024 + " kB filler)");
    try {
      storeGoneFor(ms, "the home's disk full");
    } finally {
      Files.deleteIfExists(filler);
      run.note("disk space back");
    }
  }

  /**
   * While the store cannot be written for {@code ms}: 1–2 stops cancelled (nothing excused: each must
   * be back within the SLA, placed without the store), and over 18 s /health must say so within the
   * harness's silence rule (15 s; the process test holds the guard to 10 s on a quiet machine).
   */
  private void storeGoneFor(long ms, String what) throws Exception {
    long start = System.currentTimeMillis();
    int cancels = 1 + run.rnd.nextInt(2);
    boolean hit = false;
    for (int i = 0; i < cancels; i++) {
      Chaos.pause(run.rnd.nextInt((int) Math.max(1, ms / (cancels + 1))));
      hit |= cancelAProtectedStop() > 0;
    }
    // judged only when something had to be written (a stop went: an incident): a store nobody writes to is not silent
    boolean told = run.watch.awaitHealth(Checker.REPORT_MS, h -> h.path("degradedBecause").toString().contains("the store has not answered"));
    if (!told && hit && ms >= 18_000) run.violation("silent", what + " for 15 s but /health does not say the store is silent");
    Chaos.pause(start + ms - System.currentTimeMillis());
  }

  /**
   * Telegram unreachable (500s) for 20–50 s while a stop is cancelled: guarding goes on (the bare
   * check excuses nothing), /health must say alerts are not delivered within 15 s, and once Telegram
   * is back every alert waiting must be out within 15 s.
   */
  private void telegramDown() throws Exception {
    long ms = 20_000 + run.rnd.nextInt(30_000);
    long start = System.currentTimeMillis();
    run.telegram.mode(FakeTelegram.Mode.ERROR_500);
    count("telegram-down");
    run.note("Telegram answering 500 for " + ms + " ms");
    cancelAProtectedStop(); // an alert to deliver
    boolean told = run.watch.awaitHealth(15_000, h -> h.path("degradedBecause").toString().contains("alerts are not being delivered"));
    // judged only when an alert really waited past /health's 10 s (a store fault may hold the outbox back)
    if (!told && ms >= 16_000 && oldestWaitingAlertMs() >= 12_000) {
      run.violation("silent", "Telegram down 15 s with an alert waiting, but /health does not say so");
    }
    Chaos.pause(start + ms - System.currentTimeMillis());
    run.telegram.mode(FakeTelegram.Mode.OK);
    long back = System.currentTimeMillis();
    run.note("Telegram answering again");
    boolean flushed = false;
    while (System.currentTimeMillis() - back < 15_000 && !(flushed = waitingAlerts() == 0)) Chaos.pause(250);
    if (!flushed) {
      run.violation("silent", "alerts still waiting 15 s after Telegram came back (" + waitingAlerts() + ")");
    } else {
      run.note("alerts flushed " + (System.currentTimeMillis() - back) + " ms after Telegram came back");
    }
  }

  /** Cancels the stop of a position that has one (so there is an incident and an alert), if any; how many went. */
  private int cancelAProtectedStop() {
    List<String> protectedNow = run.sim.exchange().positionStops().entrySet().stream().filter(e -> e.getValue() > 0)
        .map(Map.Entry::getKey).sorted().toList();
    if (protectedNow.isEmpty()) return 0;
    String[] p = protectedNow.get(run.rnd.nextInt(protectedNow.size())).split(":");
    int n = run.sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    count("outside-cancel");
    run.note("outside cancel " + p[0] + ":" + p[1] + ":" + p[2] + " (" + n + ")");
    return n;
  }

  /** How long the oldest alert has waited in the outbox (0: none, or the store cannot be asked). */
  private long oldestWaitingAlertMs() {
    try (Connection c = run.sqlite(); PreparedStatement st = c.prepareStatement(
        "SELECT min(created_at) FROM alert_outbox WHERE sent_at IS NULL AND dropped_at IS NULL");
        ResultSet rs = st.executeQuery()) {
      String at = rs.next() ? rs.getString(1) : null;
      return at == null ? 0 : System.currentTimeMillis() - Instant.parse(at).toEpochMilli();
    } catch (SQLException | RuntimeException e) {
      return 0;
    }
  }

  private int waitingAlerts() {
    try (Connection c = run.sqlite(); PreparedStatement st = c.prepareStatement(
        "SELECT count(*) FROM alert_outbox WHERE sent_at IS NULL AND dropped_at IS NULL");
        ResultSet rs = st.executeQuery()) {
      return rs.next() ? rs.getInt(1) : 0;
    } catch (SQLException e) {
      return -1; // the store is locked by another fault: not zero, asked again
    }
  }

  /**
   * A 429 episode of 8–20 s with 2–3 stops cancelled inside it: each must be back within the
   * allowance of the episode's end, not after a back-off of healthy accounts (16 s).
   */
  private void throttledEpisodeWithCancels() throws InterruptedException {
    long ms = 8_000 + run.rnd.nextInt(12_000);
    long start = System.currentTimeMillis();
    run.excuses.add(new Chaos.Excuse(null, start, start + ms + Chaos.ALLOWANCE_MS + 1_000, "429 episode"));
    run.sim.faults().set("*", new Faults.Spec(0, 0, 0, 1_000_000, 0, 0));
    count("429-episode-with-cancels");
    int cancels = 2 + run.rnd.nextInt(2);
    run.note("429 episode for " + ms + " ms with " + cancels + " cancels inside");
    for (int i = 0; i < cancels; i++) {
      Chaos.pause(run.rnd.nextInt((int) (ms / cancels)));
      cancelFromOutside();
    }
    Chaos.pause(start + ms - System.currentTimeMillis());
    run.sim.faults().clear();
  }

  /**
   * A position the guard already knows is bare (inside its grace) meets a long 429 burst: when
   * Bitget answers again it must get the next request, not a healthy account's back-off.
   */
  private void throttledWhileKnownBare() throws InterruptedException {
    List<String> protectedNow = run.sim.exchange().positionStops().entrySet().stream().filter(e -> e.getValue() > 0)
        .map(Map.Entry::getKey).toList();
    if (protectedNow.isEmpty()) return;
    String[] p = protectedNow.get(run.rnd.nextInt(protectedNow.size())).split(":");
    run.sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    // Throttle once the guard has seen it bare (its incident is open) but before its grace ends.
    long seenBy = System.currentTimeMillis() + run.o.grace().toMillis() * 7 / 10;
    while (System.currentTimeMillis() < seenBy && !incidentOpen(p[0], p[1], p[2])) Chaos.pause(20);
    long start = System.currentTimeMillis();
    Chaos.Excuse open = new Chaos.Excuse(null, start, Long.MAX_VALUE, "429 burst on a known-bare position");
    run.excuses.add(open);
    run.sim.faults().set("*", new Faults.Spec(0, 0, 0, 1_000_000, 0, 0));
    count("429-burst-while-known-bare");
    // Bitget answers again at the worst moment for a guard that backs off: after at least 25 s
    // (past a healthy account's 2, 4 and 8 s pauses, into its 16 s one), as soon as this account
    // has not asked for 1.5 s; at most after 40 s. A guard retrying a known-bare position asks
    // about every second and never goes quiet that long, so for it the throttling lasts 40 s.
    long min = start + 25_000 + run.rnd.nextInt(2_000);
    long max = start + 40_000;
    while (true) {
      long now = System.currentTimeMillis();
      if (now >= max || now >= min && run.sim.exchange().now() - run.sim.exchange().history().lastRequestAt(p[0]) >= 1_500) break;
      Chaos.pause(50);
    }
    run.sim.faults().clear();
    long end = System.currentTimeMillis();
    run.excuses.remove(open);
    run.excuses.add(new Chaos.Excuse(null, start, end + Chaos.ALLOWANCE_MS + 1_000, "429 burst on a known-bare position"));
    run.note("429 burst for " + (end - start) + " ms right after " + p[0] + ":" + p[1] + ":" + p[2] + " was seen bare");
    // Nothing else happens for longer than the SLA: no other fault (a WebSocket drop, a push) may
    // make the guard look again; only its own schedule can end the bare stretch.
    Chaos.pause(run.o.grace().toMillis() + 7_000);
  }

  private boolean incidentOpen(String uid, String symbol, String side) {
    try (Connection c = run.sqlite(); PreparedStatement st = c.prepareStatement("SELECT count(*) FROM incidents WHERE user_id = ?"
        + " AND symbol = ? AND hold_side = ? AND state IN ('open', 'restoring')")) {
      st.setString(1, uid);
      st.setString(2, symbol);
      st.setString(3, side.toUpperCase(Locale.ROOT));
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() && rs.getInt(1) > 0;
      }
    } catch (SQLException e) {
      return false;
    }
  }

  private void slowAnswers() throws InterruptedException {
    long ms = 3_000 + run.rnd.nextInt(5_000);
    long latency = 200 + run.rnd.nextInt(500);
    run.sim.faults().set("*", new Faults.Spec(latency, latency / 2, 0, 0, 0, 0));
    count("slow-answers");
    run.note("answers slowed by " + latency + " ms for " + ms + " ms");
    cancelFromOutside();
    Chaos.pause(ms);
    run.sim.faults().clear();
  }

  private void webSockets() throws InterruptedException {
    if (run.rnd.nextBoolean()) {
      int n = run.sim.dropWebSockets(null);
      count("websockets-dropped");
      run.note("dropped " + n + " WebSockets");
    } else {
      // silent: pushes stop reaching the sockets, which stay open; only the reconcile can notice,
      // so a stop lost meanwhile is excused up to one interval (Bitget is not telling)
      long ms = 3_000 + run.rnd.nextInt(3_000);
      long start = System.currentTimeMillis();
      run.excuses.add(new Chaos.Excuse(null, start, start + ms + Chaos.INTERVAL_MS + Chaos.ALLOWANCE_MS, "WebSockets silent"));
      run.sim.exchange().removeAllListenersForTest();
      count("websockets-silent");
      run.note("WebSockets silent for " + ms + " ms");
      cancelFromOutside();
      Chaos.pause(ms);
      run.sim.dropWebSockets(null); // they reconnect and subscribe again
    }
  }

  /** One key row damaged for a while: the account must be reported unguarded, the others guarded. */
  private void corruptKeyRow() throws Exception {
    String uid = Chaos.uid(run.rnd.nextInt(run.o.accounts()));
    String saved;
    long start = System.currentTimeMillis();
    run.excuses.add(new Chaos.Excuse(uid, start, Long.MAX_VALUE, "key row corrupted"));
    Chaos.Excuse open = run.excuses.getLast();
    try (Connection c = run.sqlite()) {
      try (PreparedStatement st = c.prepareStatement("SELECT passphrase_enc FROM user_exchange_keys WHERE user_id = ?")) {
        st.setString(1, uid);
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          saved = rs.getString(1);
        }
      }
      update(c, uid, "v1:" + "A".repeat(40));
    }
    count("corrupt-key-row");
    run.note("key row of " + uid + " corrupted");
    cancelFromOutside();
    boolean reported = run.watch.awaitHealth(Chaos.KEY_REFRESH_MS + 5_000, h -> GuardProcess.unguarded(h).contains(uid));
    if (!reported) run.violation("silent", "user " + uid + " has a corrupted key row but /health does not report it unguarded");
    try (Connection c = run.sqlite()) {
      update(c, uid, saved);
    }
    run.note("key row of " + uid + " repaired");
    run.excuses.remove(open);
    run.excuses.add(new Chaos.Excuse(uid, start, System.currentTimeMillis() + Chaos.KEY_REFRESH_MS + Chaos.ALLOWANCE_MS + 2_000, "key row corrupted"));
  }

  /**
   * One account's passphrase replaced (as an older stopguard accepted it) by one with characters no
   * HTTP header can carry: that account is reported, the others stay guarded, and it never appears
   * in a log (the JDK's refusal quotes the value).
   */
  private void keyBitgetCannotAccept() throws Exception {
    int i = run.rnd.nextInt(run.o.accounts());
    String uid = Chaos.uid(i);
    long start = System.currentTimeMillis();
    Chaos.Excuse open = new Chaos.Excuse(uid, start, Long.MAX_VALUE, "key Bitget cannot accept");
    run.excuses.add(open);
    try (Store store = Store.open(run.db, SecretBox.fromEnvOrFile(Map.of(), run.home.resolve("master.key")))) {
      store.keys().put(uid, "bitget", "ck" + i, Chaos.secret(i), Chaos.PASS_MARK + "ünïcode-" + i, false);
    }
    count("key-bitget-cannot-accept");
    run.note("passphrase of " + uid + " replaced by one with non-ASCII characters");
    cancelFromOutside();
    boolean reported = run.watch.awaitHealth(Chaos.KEY_REFRESH_MS + 5_000, h -> GuardProcess.unguarded(h).contains(uid));
    if (!reported) run.violation("silent", "user " + uid + " has a passphrase Bitget cannot accept but /health does not report it");
    try (Store store = Store.open(run.db, SecretBox.fromEnvOrFile(Map.of(), run.home.resolve("master.key")))) {
      store.keys().put(uid, "bitget", "ck" + i, Chaos.secret(i), Chaos.passphrase(i), false);
    }
    run.note("passphrase of " + uid + " repaired");
    run.excuses.remove(open);
    run.excuses.add(new Chaos.Excuse(uid, start, System.currentTimeMillis() + Chaos.KEY_REFRESH_MS + Chaos.ALLOWANCE_MS + 2_000,
        "key Bitget cannot accept"));
  }

  private static void update(Connection c, String uid, String value) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("UPDATE user_exchange_keys SET passphrase_enc = ? WHERE user_id = ?")) {
      st.setString(1, value);
      st.setString(2, uid);
      st.executeUpdate();
    }
  }

  /** master.key gone and the watcher restarted: every account reported, no new key made, then it comes back. */
  private void missingMasterKey() throws Exception {
    Path key = run.home.resolve("master.key");
    Path away = run.home.resolve("master.key.away");
    long start = System.currentTimeMillis();
    run.excuses.add(new Chaos.Excuse(null, start, Long.MAX_VALUE, "master key missing"));
    Chaos.Excuse open = run.excuses.getLast();
    Files.move(key, away, StandardCopyOption.ATOMIC_MOVE);
    count("missing-master-key");
    run.note("master.key moved away; watcher restarted");
    run.watch.kill();
    run.watch = run.startWatch();
    boolean reported = run.watch.awaitHealth(5_000, h -> GuardProcess.unguarded(h).size() == run.o.accounts());
    if (!reported) run.violation("silent", "master key missing but /health does not report every account unguarded");
    if (Files.exists(key)) run.violation("silent", "a new master.key was created while encrypted keys exist");
    Files.deleteIfExists(key);
    Files.move(away, key, StandardCopyOption.ATOMIC_MOVE);
    run.note("master.key restored");
    run.excuses.remove(open);
    run.excuses.add(new Chaos.Excuse(null, start, System.currentTimeMillis() + Chaos.KEY_REFRESH_MS + Chaos.ALLOWANCE_MS + 2_000, "master key missing"));
  }

  /** A second watch on the same home and shard must be refused while the first runs. */
  private void secondWatcher() throws Exception {
    count("second-watcher");
    Path log = run.home.resolve("second-" + run.faults.get("second-watcher") + ".log");
    Process p = run.watchCommand(log).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      run.violation("silent", "a second watcher on the same home was not refused (it ran beside the first)");
      return;
    }
    String text = Files.readString(log);
    if (p.exitValue() != 2 || !text.contains("another stopguard watch is running")) {
      run.violation("silent", "a second watcher exited " + p.exitValue() + " without the refusal: " + Chaos.firstLine(text));
    } else {
      run.note("second watcher refused");
    }
  }
}
