package io.stopguard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.sim.Faults;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimHistory;
import io.stopguard.sim.SimServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A seeded fault harness with a history checker, in the manner of Jepsen: the real {@code stopguard
 * watch} process guards several accounts on the simulator while a nemesis, drawing from a seeded
 * random source, injects faults (SIGKILL and restart, SIGSTOP/SIGCONT, answers lost after
 * execution, 429 and 5xx bursts, broken and slow answers, WebSockets dropped or silent, stops
 * cancelled from outside racing a restore, positions closed or resized during a restore, a corrupted
 * key row, a missing master key, a second watcher on the same home). A sampler records every
 * position's protection every 100 ms and the simulator records every request and every placement
 * attempt; afterwards a checker asserts the invariants:
 *
 * <ul>
 *   <li>duplicates: never a pos_loss placement attempt under another clientOid while one is live
 *       on the position (counted from attempts, not from what the simulator refused);
 *   <li>bare_over_sla: no position bare longer than grace + 5 s outside the windows where Bitget
 *       did not answer or the guard was deliberately stopped;
 *   <li>silent_failures: every incident ends or is escalated; every account with a key is guarded
 *       or reported in /health; a second watcher is refused; the guard never dies by itself;
 *   <li>lost_rows: trading.db passes {@code PRAGMA integrity_check} and no table ever shrinks;
 *   <li>rate: at most 6000 requests in any minute, and Bitget's per-IP limit never refuses one.
 * </ul>
 *
 * The same seed draws the same schedule of faults (timing on a real machine still varies).
 * {@code bench/chaos --seed N --minutes M}; exits 1 on any violation, printing the history around it.
 */
public final class Chaos {
  /** What to run. {@code grace}: the watcher's --grace; the bare SLA is grace + 5 s. */
  public record Options(long seed, double minutes, int accounts, Duration grace, Path home) {
    public Options {
      if (!(minutes > 0) || minutes > 24 * 60) throw new IllegalArgumentException("--minutes must be > 0 and at most 1440");
      if (accounts < 1 || accounts > 50) throw new IllegalArgumentException("--accounts must be 1..50");
    }
  }

  /** The outcome: violations by invariant, faults by kind, and the summary line. */
  public record Result(String summary, int duplicates, int bareOverSla, int silentFailures, int lostRows, int rate,
      Map<String, Integer> faults, List<String> violations) {
    public boolean ok() {
      return duplicates + bareOverSla + silentFailures + lostRows + rate == 0;
    }
  }

  private static final String[] SYMBOLS = {"ETHUSDT:long:1.00:3400.00:3200.00", "DASHUSDT:short:0.21:68.10:70.43",
      "SOLUSDT:short:5.0:180.000:190.000"};
  private static final long ALLOWANCE_MS = 1_500; // after a fault ends: one look and one placement
  private static final long KEY_REFRESH_MS = 10_000; // the watcher's key refresh
  /**
   * The watcher's --interval. Long enough that a healthy account's back-off after failed looks
   * (2, 4, 8, 16 s, capped at the interval) differs from the 1 s a known-bare position gets by more
   * than the SLA can absorb.
   */
  private static final long INTERVAL_MS = 20_000;

  private final Options o;
  private final PrintStream out;
  private final Random rnd;
  private final long t0 = System.currentTimeMillis();
  private final Path home;
  private final Path db;
  private SimServer sim;
  private volatile WatchProcess watch;
  private int watchStarts;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> faults = new TreeMap<>();
  /** Windows [start, end] (ms) where a bare position is excused: uid, or null for every account. */
  private record Excuse(String uid, long start, long end, String why) {}
  private final List<Excuse> excuses = new CopyOnWriteArrayList<>();
  private final Map<String, Long> bareSince = new ConcurrentHashMap<>();
  private int duplicates;
  private int bareOverSla;
  private int silentFailures;
  private int lostRows;
  private int rate;
  private final Map<String, Integer> lastCounts = new HashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ObjectMapper json = new ObjectMapper();

  private Chaos(Options o, PrintStream out) {
    this.o = o;
    this.out = out;
    this.rnd = new Random(o.seed());
    this.home = o.home();
    this.db = home.resolve("trading.db");
  }

  public static void main(String[] args) throws Exception {
    long seed = 1;
    double minutes = 3;
    int accounts = 6;
    double grace = 1;
    Path home = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--minutes" -> minutes = Double.parseDouble(args[++i]);
        case "--accounts" -> accounts = Integer.parseInt(args[++i]);
        case "--grace" -> grace = Double.parseDouble(args[++i]);
        case "--home" -> home = Path.of(args[++i]);
        case "-h", "--help" -> {
          System.out.println("bench/chaos [--seed N] [--minutes M] [--accounts K] [--grace S] [--home DIR]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (try --help)");
      }
    }
    if (home == null) home = Files.createTempDirectory("stopguard-chaos-");
    Result r = run(new Options(seed, minutes, accounts, Duration.ofMillis((long) (grace * 1000)), home), System.out);
    System.exit(r.ok() ? 0 : 1);
  }

  /** Runs the harness; prints progress, violations with their history, and the summary line. */
  public static Result run(Options o, PrintStream out) throws Exception {
    return new Chaos(o, out).run();
  }

  private Result run() throws Exception {
    Files.createDirectories(home);
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario())), 0);
    sim.exchange().history().enable();
    try (Store store = Store.open(db, SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key")))) {
      for (int i = 0; i < o.accounts(); i++) store.keys().put(uid(i), "bitget", "ck" + i, secret(i), passphrase(i), false);
    }
    note("start seed=" + o.seed() + " accounts=" + o.accounts() + " home=" + home + " sim=" + sim.baseUrl());
    watch = startWatch();
    Thread sampler = Thread.ofPlatform().daemon().name("chaos-sampler").start(this::sample);
    long end = t0 + (long) (o.minutes() * 60_000);
    try {
      while (System.currentTimeMillis() < end) {
        nemesis();
        checkRows();
        pause(300 + rnd.nextInt(1200));
      }
      quiesce();
    } finally {
      sampler.interrupt();
      sampler.join(2_000);
      if (watch != null) watch.kill();
      sim.close();
    }
    checkHistory();
    checkEnd();
    int total = faults.values().stream().mapToInt(Integer::intValue).sum();
    String summary = String.format(Locale.ROOT,
        "chaos seed=%d minutes=%s faults=%d duplicates=%d bare_over_sla=%d silent_failures=%d lost_rows=%d rate=%d",
        o.seed(), trim(o.minutes()), total, duplicates, bareOverSla, silentFailures, lostRows, rate);
    out.println("faults by kind: " + faults);
    for (String v : violations) out.println(v);
    out.println(summary);
    return new Result(summary, duplicates, bareOverSla, silentFailures, lostRows, rate, Map.copyOf(faults),
        List.copyOf(violations));
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private String scenario() {
    StringBuilder sb = new StringBuilder("accounts:\n");
    for (int i = 0; i < o.accounts(); i++) {
      sb.append("  - uid: \"").append(uid(i)).append("\"\n    apiKey: ck").append(i).append("\n    secretKey: ").append(secret(i))
          .append("\n    passphrase: ").append(passphrase(i)).append("\n    positions:\n");
      for (String s : SYMBOLS) {
        String[] p = s.split(":");
        sb.append("      - {symbol: ").append(p[0]).append(", holdSide: ").append(p[1]).append(", total: \"").append(p[2])
            .append("\", openPriceAvg: \"").append(p[3]).append("\"}\n");
      }
      sb.append("    planOrders:\n");
      for (String s : SYMBOLS) {
        String[] p = s.split(":");
        sb.append("      - {symbol: ").append(p[0]).append(", planType: pos_loss, holdSide: ").append(p[1])
            .append(", triggerPrice: \"").append(p[4]).append("\"}\n");
      }
    }
    return sb.toString();
  }

  private static String uid(int i) {
    return Integer.toString(7001 + i);
  }

  /** Secrets distinctive enough to be searched for in every log afterwards: none may ever appear. */
  static final String SECRET_MARK = "chaos-secret-";
  static final String PASS_MARK = "chaos-pass-";

  private static String secret(int i) {
    return SECRET_MARK + i;
  }

  private static String passphrase(int i) {
    return PASS_MARK + i;
  }

  // ------------------------------------------------------------------ the nemesis

  private void nemesis() throws Exception {
    int roll = rnd.nextInt(100);
    if (roll < 30) cancelFromOutside();
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
    faults.merge(kind, 1, Integer::sum);
  }

  private String[] randomPosition() {
    String uid = uid(rnd.nextInt(o.accounts()));
    String[] p = SYMBOLS[rnd.nextInt(SYMBOLS.length)].split(":");
    return new String[] {uid, p[0], p[1], p[2], p[3]};
  }

  private void cancelFromOutside() {
    String[] p = randomPosition();
    int n = sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    count("outside-cancel");
    note("outside cancel " + p[0] + ":" + p[1] + ":" + p[2] + " (" + n + ")");
  }

  /** The guard is restoring (after grace) when the stop it placed is cancelled again. */
  private void raceACancelWithTheRestore() throws InterruptedException {
    String[] p = randomPosition();
    sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    pause(o.grace().toMillis() + 50 + rnd.nextInt(400));
    int n = sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    count("cancel-racing-restore");
    note("cancel racing the restore " + p[0] + ":" + p[1] + ":" + p[2] + " (second cancel hit " + n + ")");
  }

  private void closeOrResizeDuringRestore() throws InterruptedException {
    String[] p = randomPosition();
    sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    pause(o.grace().toMillis() + rnd.nextInt(300));
    if (rnd.nextBoolean()) {
      sim.exchange().closePosition(p[0], p[1], p[2]);
      count("close-during-restore");
      note("position closed during the restore " + p[0] + ":" + p[1] + ":" + p[2]);
    } else {
      BigDecimal size = new BigDecimal(p[3]).multiply(BigDecimal.valueOf(2));
      sim.exchange().openPosition(p[0], new Scenario.PositionSpec(p[1], p[2], size, new BigDecimal(p[4]), null, null, null));
      count("resize-during-restore");
      note("position resized during the restore " + p[0] + ":" + p[1] + ":" + p[2] + " to " + size.toPlainString());
    }
  }

  private void reopenAClosedPosition() {
    String[] p = randomPosition();
    if (sim.exchange().positionStops().containsKey(p[0] + ":" + p[1] + ":" + p[2])) {
      sim.exchange().closePosition(p[0], p[1], p[2]);
      count("close");
      note("position closed " + p[0] + ":" + p[1] + ":" + p[2]);
    } else {
      sim.exchange().openPosition(p[0], new Scenario.PositionSpec(p[1], p[2], new BigDecimal(p[3]), new BigDecimal(p[4]),
          null, null, null));
      count("open-bare");
      note("position opened without a stop " + p[0] + ":" + p[1] + ":" + p[2]);
    }
  }

  private void kill9() throws Exception {
    long start = System.currentTimeMillis();
    excuses.add(new Excuse(null, start, Long.MAX_VALUE, "watcher killed"));
    Excuse open = excuses.getLast();
    watch.kill();
    count("sigkill");
    note("SIGKILL watch");
    pause(rnd.nextInt(2_000));
    watch = startWatch();
    excuses.remove(open);
    excuses.add(new Excuse(null, start, System.currentTimeMillis() + ALLOWANCE_MS, "watcher killed and restarted"));
  }

  private void sigstop() throws Exception {
    long ms = 1_000 + rnd.nextInt(4_000);
    long start = System.currentTimeMillis();
    excuses.add(new Excuse(null, start, start + ms + ALLOWANCE_MS, "watcher stopped"));
    signal("STOP");
    count("sigstop");
    note("SIGSTOP watch for " + ms + " ms");
    pause(ms);
    signal("CONT");
  }

  /** place-tpsl-order executes but its answer outlives the client's timeout; a stop is cancelled meanwhile. */
  private void lostAnswers() throws InterruptedException {
    long ms = 3_000 + rnd.nextInt(4_000);
    sim.faults().set("/api/v2/mix/order/place-tpsl-order", Faults.Spec.lateAnswer(2_500 + rnd.nextInt(2_000)));
    count("answer-lost-after-execution");
    note("answers of place-tpsl-order held past the timeout for " + ms + " ms");
    String[] p = randomPosition();
    sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    long until = System.currentTimeMillis() + ms;
    // cancel the guard's stop as soon as it shows, before its look-up after the timeout can see it
    while (System.currentTimeMillis() < until) {
      if (sim.exchange().positionStops().getOrDefault(p[0] + ":" + p[1] + ":" + p[2], 0L) > 0) {
        sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
        // One answer lost, as in the field; later ones come back in time (a place endpoint that never
        // answers is a Bitget outage, which the escalation covers, not this fault).
        sim.faults().clear();
        note("cancelled the restored stop of " + p[0] + ":" + p[1] + ":" + p[2] + " while its answer was held");
        break;
      }
      pause(5);
    }
    pause(Math.max(0, until - System.currentTimeMillis()));
    sim.faults().clear();
  }

  private void burst(String kind) throws InterruptedException {
    long ms = 2_000 + rnd.nextInt(4_000);
    Faults.Spec spec = switch (kind) {
      case "429" -> new Faults.Spec(0, 0, 0, 1_000_000, 0, 0);
      case "5xx" -> new Faults.Spec(0, 0, 0.5 + rnd.nextDouble() / 2, 0, 0, 0);
      default -> new Faults.Spec(0, 0, 0, 0, 0.3, 0.3);
    };
    long start = System.currentTimeMillis();
    excuses.add(new Excuse(null, start, start + ms + ALLOWANCE_MS + 1_000, kind + " burst"));
    sim.faults().set("*", spec);
    count(kind + "-burst");
    note(kind + " burst for " + ms + " ms");
    if (rnd.nextBoolean()) cancelFromOutside(); // a stop lost while Bitget does not answer
    pause(ms);
    sim.faults().clear();
  }

  /**
   * A position the guard already knows is bare (inside its grace) meets a long 429 burst: when
   * Bitget answers again it must get the next request, not a healthy account's back-off.
   */
  private void throttledWhileKnownBare() throws InterruptedException {
    List<String> protectedNow = sim.exchange().positionStops().entrySet().stream().filter(e -> e.getValue() > 0)
        .map(Map.Entry::getKey).toList();
    if (protectedNow.isEmpty()) return;
    String[] p = protectedNow.get(rnd.nextInt(protectedNow.size())).split(":");
    sim.exchange().cancelStopsFromOutside(p[0], p[1], p[2]);
    // Throttle once the guard has seen it bare (its incident is open) but before its grace ends.
    long seenBy = System.currentTimeMillis() + o.grace().toMillis() * 7 / 10;
    while (System.currentTimeMillis() < seenBy && !incidentOpen(p[0], p[1], p[2])) pause(20);
    long start = System.currentTimeMillis();
    Excuse open = new Excuse(null, start, Long.MAX_VALUE, "429 burst on a known-bare position");
    excuses.add(open);
    sim.faults().set("*", new Faults.Spec(0, 0, 0, 1_000_000, 0, 0));
    count("429-burst-while-known-bare");
    // Bitget answers again at the worst moment for a guard that backs off: after at least 25 s
    // (past a healthy account's 2, 4 and 8 s pauses, into its 16 s one), as soon as this account
    // has not asked for 1.5 s; at most after 40 s. A guard retrying a known-bare position asks
    // about every second and never goes quiet that long, so for it the throttling lasts 40 s.
    long min = start + 25_000 + rnd.nextInt(2_000);
    long max = start + 40_000;
    while (true) {
      long now = System.currentTimeMillis();
      if (now >= max || now >= min && sim.exchange().now() - sim.exchange().history().lastRequestAt(p[0]) >= 1_500) break;
      pause(50);
    }
    sim.faults().clear();
    long end = System.currentTimeMillis();
    excuses.remove(open);
    excuses.add(new Excuse(null, start, end + ALLOWANCE_MS + 1_000, "429 burst on a known-bare position"));
    note("429 burst for " + (end - start) + " ms right after " + p[0] + ":" + p[1] + ":" + p[2] + " was seen bare");
    // Nothing else happens for longer than the SLA: no other fault (a WebSocket drop, a push) may
    // make the guard look again; only its own schedule can end the bare stretch.
    pause(o.grace().toMillis() + 7_000);
  }

  private boolean incidentOpen(String uid, String symbol, String side) {
    try (Connection c = sqlite(); PreparedStatement st = c.prepareStatement("SELECT count(*) FROM incidents WHERE user_id = ?"
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
    long ms = 3_000 + rnd.nextInt(5_000);
    long latency = 200 + rnd.nextInt(500);
    sim.faults().set("*", new Faults.Spec(latency, latency / 2, 0, 0, 0, 0));
    count("slow-answers");
    note("answers slowed by " + latency + " ms for " + ms + " ms");
    cancelFromOutside();
    pause(ms);
    sim.faults().clear();
  }

  private void webSockets() throws InterruptedException {
    if (rnd.nextBoolean()) {
      int n = sim.dropWebSockets(null);
      count("websockets-dropped");
      note("dropped " + n + " WebSockets");
    } else {
      // silent: pushes stop reaching the sockets, which stay open; only the reconcile can notice,
      // so a stop lost meanwhile is excused up to one interval (Bitget is not telling)
      long ms = 3_000 + rnd.nextInt(3_000);
      long start = System.currentTimeMillis();
      excuses.add(new Excuse(null, start, start + ms + INTERVAL_MS + ALLOWANCE_MS, "WebSockets silent"));
      sim.exchange().removeAllListenersForTest();
      count("websockets-silent");
      note("WebSockets silent for " + ms + " ms");
      cancelFromOutside();
      pause(ms);
      sim.dropWebSockets(null); // they reconnect and subscribe again
    }
  }

  /** One key row damaged for a while: the account must be reported unguarded, the others guarded. */
  private void corruptKeyRow() throws Exception {
    String uid = uid(rnd.nextInt(o.accounts()));
    String saved;
    long start = System.currentTimeMillis();
    excuses.add(new Excuse(uid, start, Long.MAX_VALUE, "key row corrupted"));
    Excuse open = excuses.getLast();
    try (Connection c = sqlite()) {
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
    note("key row of " + uid + " corrupted");
    cancelFromOutside();
    boolean reported = awaitHealth(KEY_REFRESH_MS + 5_000, h -> unguarded(h).contains(uid));
    if (!reported) violation("silent", "user " + uid + " has a corrupted key row but /health does not report it unguarded");
    try (Connection c = sqlite()) {
      update(c, uid, saved);
    }
    note("key row of " + uid + " repaired");
    excuses.remove(open);
    excuses.add(new Excuse(uid, start, System.currentTimeMillis() + KEY_REFRESH_MS + ALLOWANCE_MS + 2_000, "key row corrupted"));
  }

  /**
   * One account's passphrase replaced (as an older stopguard accepted it) by one with characters no
   * HTTP header can carry: that account is reported, the others stay guarded, and it never appears
   * in a log (the JDK's refusal quotes the value).
   */
  private void keyBitgetCannotAccept() throws Exception {
    int i = rnd.nextInt(o.accounts());
    String uid = uid(i);
    long start = System.currentTimeMillis();
    Excuse open = new Excuse(uid, start, Long.MAX_VALUE, "key Bitget cannot accept");
    excuses.add(open);
    try (Store store = Store.open(db, SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key")))) {
      store.keys().put(uid, "bitget", "ck" + i, secret(i), PASS_MARK + "ünïcode-" + i, false);
    }
    count("key-bitget-cannot-accept");
    note("passphrase of " + uid + " replaced by one with non-ASCII characters");
    cancelFromOutside();
    boolean reported = awaitHealth(KEY_REFRESH_MS + 5_000, h -> unguarded(h).contains(uid));
    if (!reported) violation("silent", "user " + uid + " has a passphrase Bitget cannot accept but /health does not report it");
    try (Store store = Store.open(db, SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key")))) {
      store.keys().put(uid, "bitget", "ck" + i, secret(i), passphrase(i), false);
    }
    note("passphrase of " + uid + " repaired");
    excuses.remove(open);
    excuses.add(new Excuse(uid, start, System.currentTimeMillis() + KEY_REFRESH_MS + ALLOWANCE_MS + 2_000,
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
    Path key = home.resolve("master.key");
    Path away = home.resolve("master.key.away");
    long start = System.currentTimeMillis();
    excuses.add(new Excuse(null, start, Long.MAX_VALUE, "master key missing"));
    Excuse open = excuses.getLast();
    Files.move(key, away, StandardCopyOption.ATOMIC_MOVE);
    count("missing-master-key");
    note("master.key moved away; watcher restarted");
    watch.kill();
    watch = startWatch();
    boolean reported = awaitHealth(5_000, h -> unguarded(h).size() == o.accounts());
    if (!reported) violation("silent", "master key missing but /health does not report every account unguarded");
    if (Files.exists(key)) violation("silent", "a new master.key was created while encrypted keys exist");
    Files.deleteIfExists(key);
    Files.move(away, key, StandardCopyOption.ATOMIC_MOVE);
    note("master.key restored");
    excuses.remove(open);
    excuses.add(new Excuse(null, start, System.currentTimeMillis() + KEY_REFRESH_MS + ALLOWANCE_MS + 2_000, "master key missing"));
  }

  /** A second watch on the same home and shard must be refused while the first runs. */
  private void secondWatcher() throws Exception {
    count("second-watcher");
    Path log = home.resolve("second-" + faults.get("second-watcher") + ".log");
    Process p = watchCommand(log).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      violation("silent", "a second watcher on the same home was not refused (it ran beside the first)");
      return;
    }
    String text = Files.readString(log);
    if (p.exitValue() != 2 || !text.contains("another stopguard watch is running")) {
      violation("silent", "a second watcher exited " + p.exitValue() + " without the refusal: " + firstLine(text));
    } else {
      note("second watcher refused");
    }
  }

  // ------------------------------------------------------------------ the watcher process

  private final class WatchProcess {
    final Process process;
    final Path log;
    final int port;
    volatile boolean killedOnPurpose;

    WatchProcess(Process process, Path log, int port) {
      this.process = process;
      this.log = log;
      this.port = port;
    }

    void kill() throws InterruptedException {
      killedOnPurpose = true;
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private ProcessBuilder watchCommand(Path log) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"), "io.stopguard.cli.Main", "watch", "--restore", "on", "--grace",
        Double.toString(o.grace().toMillis() / 1000.0), "--interval", Long.toString(INTERVAL_MS / 1000), "--timeout", "2",
        "--listen", "127.0.0.1:0");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("STOPGUARD_HOME", home.toString());
    pb.environment().put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    pb.environment().remove("STOPGUARD_MASTER_KEY");
    pb.environment().remove("STOPGUARD_DB");
    pb.environment().remove("STOPGUARD_CONFIG");
    pb.environment().remove("TELEGRAM_BOT_TOKEN");
    return pb;
  }

  private static final Pattern LISTEN = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/metrics");

  private WatchProcess startWatch() throws Exception {
    Path log = home.resolve("watch-" + (++watchStarts) + ".log");
    Process p = watchCommand(log).start();
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      Matcher m = LISTEN.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (m.find()) {
        note("watch started (" + log.getFileName() + ", port " + m.group(1) + ")");
        return new WatchProcess(p, log, Integer.parseInt(m.group(1)));
      }
      if (!p.isAlive()) throw new IllegalStateException("watch exited " + p.exitValue() + ": " + Files.readString(log));
      pause(50);
    }
    p.destroyForcibly();
    throw new IllegalStateException("watch did not start within 30 s: " + Files.readString(log));
  }

  private void signal(String sig) throws Exception {
    new ProcessBuilder("kill", "-" + sig, Long.toString(watch.process.pid())).inheritIO().start().waitFor();
  }

  private JsonNode health() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + watch.port + "/health"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return json.readTree(r.body());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static List<String> unguarded(JsonNode h) {
    List<String> users = new ArrayList<>();
    for (JsonNode u : h.path("unguardedAccounts")) users.add(u.path("userId").asText());
    return users;
  }

  private boolean awaitHealth(long ms, java.util.function.Predicate<JsonNode> ok) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < deadline) {
      JsonNode h = health();
      if (h != null && ok.test(h)) return true;
      pause(200);
    }
    return false;
  }

  // ------------------------------------------------------------------ the checker

  /** Every 100 ms: which positions are bare; a bare stretch outside the excused windows over the SLA is a violation. */
  private void sample() {
    while (!Thread.currentThread().isInterrupted()) {
      long now = System.currentTimeMillis();
      Map<String, Long> stops = sim.exchange().positionStops();
      for (Map.Entry<String, Long> e : stops.entrySet()) {
        if (e.getValue() == 0) bareSince.putIfAbsent(e.getKey(), now);
        else ended(e.getKey(), now);
      }
      for (String k : List.copyOf(bareSince.keySet())) if (!stops.containsKey(k)) ended(k, now);
      WatchProcess w = watch;
      if (w != null && !w.process.isAlive() && !w.killedOnPurpose) {
        w.killedOnPurpose = true; // reported once
        violation("silent", "the watcher died by itself (exit " + w.process.exitValue() + ")");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void ended(String key, long now) {
    Long since = bareSince.remove(key);
    if (since == null) return;
    long worst = longestUnexcused(key.substring(0, key.indexOf(':')), since, now);
    long sla = o.grace().toMillis() + 5_000;
    if (worst > sla) {
      bareOverSla++;
      violation("bare", key + " bare for " + worst + " ms outside fault windows (SLA " + sla + " ms), bare from "
          + rel(since) + " to " + rel(now));
    }
  }

  /** The longest part of [from, to] not covered by an excuse for this uid. */
  private long longestUnexcused(String uid, long from, long to) {
    List<long[]> cover = new ArrayList<>();
    for (Excuse e : excuses) if (e.uid() == null || e.uid().equals(uid)) cover.add(new long[] {e.start(), e.end()});
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
  private void checkRows() {
    try (Connection c = sqlite(); Statement st = c.createStatement()) {
      for (String table : List.of("user_exchange_keys", "incidents", "audit_log", "risk_flags")) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
          int n = rs.next() ? rs.getInt(1) : 0;
          Integer before = lastCounts.put(table, n);
          if (before != null && n < before) {
            lostRows++;
            violation("rows", table + " went from " + before + " to " + n + " rows");
          }
        }
      }
    } catch (SQLException e) {
      note("row count skipped: " + e.getMessage()); // busy for longer than the timeout; next round
    }
  }

  /** All faults off, the guard up: every position must be protected again within the SLA. */
  private void quiesce() throws Exception {
    sim.faults().clear();
    sim.dropWebSockets(null);
    if (!watch.process.isAlive()) watch = startWatch();
    note("quiet: faults cleared");
    pause(o.grace().toMillis() + 5_000 + KEY_REFRESH_MS);
    long now = System.currentTimeMillis();
    for (String k : List.copyOf(bareSince.keySet())) ended(k, now);
    checkRows();
  }

  private void checkHistory() {
    List<SimHistory.Event> events = sim.exchange().history().events();
    for (SimHistory.Event e : events) {
      if (e.kind().equals("place-attempt") && e.liveClientOid() != null && !e.liveClientOid().equals(e.clientOid())) {
        duplicates++;
        violation("duplicate", "a second pos_loss was attempted on " + e.uid() + ":" + e.symbol() + ":" + e.holdSide()
            + " at " + rel(e.t()) + " (clientOid " + e.clientOid() + ", live " + e.liveClientOid() + ")");
      }
      if (e.kind().equals("ip-refused")) {
        rate++;
        violation("rate", "Bitget's per-IP limit refused " + e.detail() + " at " + rel(e.t()));
      }
    }
    Deque<Long> window = new java.util.ArrayDeque<>();
    int max = 0;
    for (SimHistory.Event e : events) {
      if (!e.kind().equals("request")) continue;
      window.addLast(e.t());
      while (window.peekFirst() < e.t() - 60_000) window.removeFirst();
      max = Math.max(max, window.size());
    }
    if (max > 6_000) {
      rate++;
      violation("rate", max + " requests in one minute (Bitget allows 6000 per IP)");
    }
    note("requests: " + events.stream().filter(e -> e.kind().equals("request")).count() + " (max " + max + " in a minute)");
  }

  /** No secret in any output of any watcher process (logs, stack traces, alerts printed). */
  private void checkNoSecretPrinted() throws IOException {
    try (var files = Files.list(home)) {
      for (Path f : files.filter(x -> x.getFileName().toString().endsWith(".log")).toList()) {
        String text = Files.readString(f);
        if (text.contains(SECRET_MARK) || text.contains(PASS_MARK)) {
          violation("silent", "a secret was printed in " + f.getFileName());
        }
      }
    }
  }

  private void checkEnd() throws SQLException, IOException {
    checkNoSecretPrinted();
    try (Connection c = sqlite(); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
        String r = rs.next() ? rs.getString(1) : "no answer";
        if (!"ok".equals(r)) {
          lostRows++;
          violation("rows", "PRAGMA integrity_check: " + r);
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT user_id || ':' || symbol || ':' || hold_side || ' since ' || detected_at"
          + " FROM incidents WHERE state IN ('open', 'restoring') AND escalated_at IS NULL")) {
        while (rs.next()) {
          violation("silent", "incident still open and not escalated after the quiet period: " + rs.getString(1));
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM user_exchange_keys")) {
        if (rs.next() && rs.getInt(1) != o.accounts()) {
          lostRows++;
          violation("rows", "user_exchange_keys holds " + rs.getInt(1) + " rows, " + o.accounts() + " were added");
        }
      }
    }
  }

  private Connection sqlite() throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA busy_timeout = 5000");
    }
    return c;
  }

  // ------------------------------------------------------------------ the record

  private void note(String what) {
    String line = rel(System.currentTimeMillis()) + " " + what;
    log.add(line);
  }

  private void violation(String kind, String what) {
    if (kind.equals("silent")) silentFailures++;
    long now = System.currentTimeMillis();
    StringBuilder sb = new StringBuilder("VIOLATION [" + kind + "] " + what + "\n  history before it:");
    double at = (now - t0) / 1000.0;
    for (String l : log) {
      double t = Double.parseDouble(l.substring(0, l.indexOf(' ')).replace("s", ""));
      if (t >= at - 15 && t <= at + 1) sb.append("\n    ").append(l);
    }
    if (sim != null) {
      sb.append("\n  exchange events before it:");
      for (SimHistory.Event e : sim.exchange().history().events()) {
        if (e.kind().equals("request") || e.t() < now - 15_000) continue;
        sb.append("\n    ").append(rel(e.t())).append(' ').append(e.kind()).append(' ').append(e.uid()).append(':')
            .append(e.symbol()).append(':').append(e.holdSide()).append(e.clientOid() == null ? "" : " clientOid=" + e.clientOid())
            .append(e.liveClientOid() == null ? "" : " live=" + e.liveClientOid());
      }
    }
    if (watch != null) {
      try {
        List<String> lines = Files.readAllLines(watch.log);
        sb.append("\n  watcher log (last lines):");
        for (String l : lines.subList(Math.max(0, lines.size() - 12), lines.size())) sb.append("\n    ").append(l);
      } catch (IOException e) {
        sb.append("\n  (watcher log unreadable: ").append(e.getMessage()).append(')');
      }
    }
    violations.add(sb.toString());
  }

  private String rel(long t) {
    return String.format(Locale.ROOT, "%.1fs", (t - t0) / 1000.0);
  }

  private static String firstLine(String s) {
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }

  private static void pause(long ms) throws InterruptedException {
    if (ms > 0) Thread.sleep(ms);
  }
}
