package io.stopguard.bench;

import io.stopguard.sim.FakeTelegram;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimHistory;
import io.stopguard.sim.SimServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

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
 * The faults are {@link Nemesis}, the invariants {@link Checker}, the guard a {@link GuardProcess};
 * this class holds the run's record (notes, excused windows, violations) and its order.
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

  static final String[] SYMBOLS = {"ETHUSDT:long:1.00:3400.00:3200.00", "DASHUSDT:short:0.21:68.10:70.43",
      "SOLUSDT:short:5.0:180.000:190.000"};
  static final long ALLOWANCE_MS = 1_500; // after a fault ends: one look and one placement
  static final long KEY_REFRESH_MS = 10_000; // the watcher's key refresh
  /**
   * The watcher's --interval. Long enough that a healthy account's back-off after failed looks
   * (2, 4, 8, 16 s, capped at the interval) differs from the 1 s a known-bare position gets by more
   * than the SLA can absorb.
   */
  static final long INTERVAL_MS = 20_000;

  final Options o;
  private final PrintStream out;
  final Random rnd;
  final long t0 = System.currentTimeMillis();
  final Path home;
  final Path db;
  SimServer sim;
  /** Where the watcher's alerts go: a Telegram stand-in the nemesis can take down. */
  FakeTelegram telegram;
  volatile GuardProcess watch;
  private int watchStarts;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  final Map<String, Integer> faults = new TreeMap<>();
  /** Windows [start, end] (ms) where a bare position is excused: uid, or null for every account. */
  record Excuse(String uid, long start, long end, String why) {}
  final List<Excuse> excuses = new CopyOnWriteArrayList<>();
  final Map<String, Long> bareSince = new ConcurrentHashMap<>();
  int duplicates;
  int bareOverSla;
  int silentFailures;
  int lostRows;
  int rate;
  final Map<String, Integer> lastCounts = new HashMap<>();
  private final Nemesis nemesis = new Nemesis(this);
  private final Checker checker = new Checker(this);

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
    int fleet = 0;
    Set<String> only = Set.of();
    Integer accountsGiven = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--fleet" -> fleet = Integer.parseInt(args[++i]);
        case "--only" -> only = Set.of(args[++i].split(","));
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--minutes" -> minutes = Double.parseDouble(args[++i]);
        case "--accounts" -> accountsGiven = Integer.parseInt(args[++i]);
        case "--grace" -> grace = Double.parseDouble(args[++i]);
        case "--home" -> home = Path.of(args[++i]);
        case "-h", "--help" -> {
          System.out.println("""
              bench/chaos [--seed N] [--minutes M] [--accounts A] [--grace S] [--home DIR]
                  one watch process under the nemesis (SQLite store)
              bench/chaos --fleet K [--seed N] [--minutes M] [--accounts A] [--home DIR] [--only KIND,...]
                  K watch processes on one PostgreSQL server, with database faults (grace 0.5 s, lease TTL 6 s);
                  --only draws from these faults alone: """ + String.join(", ", FleetNemesis.KINDS));
          return;
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (try --help)");
      }
    }
    if (home == null) home = Files.createTempDirectory("stopguard-chaos-");
    if (fleet > 0) {
      FleetChaos.Result r = FleetChaos.run(new FleetChaos.Options(seed, minutes, fleet, accountsGiven == null ? 12 : accountsGiven,
          home, only), System.out);
      System.exit(r.ok() ? 0 : 1);
    }
    if (accountsGiven != null) accounts = accountsGiven;
    Result r = run(new Options(seed, minutes, accounts, Duration.ofMillis((long) (grace * 1000)), home), System.out);
    System.exit(r.ok() ? 0 : 1);
  }

  /** Runs the harness; prints progress, violations with their history, and the summary line. */
  public static Result run(Options o, PrintStream out) throws Exception {
    return new Chaos(o, out).run();
  }

  /** Whether the home is a small tmpfs of its own, so the nemesis can fill its disk (root only). */
  volatile boolean homeOnTmpfs;

  /** Mounts a 64 MB tmpfs on the (empty) home when this runs as root, so "disk full" can be real. */
  private void homeOnTmpfs() {
    try (var entries = Files.list(home)) {
      if (entries.findAny().isPresent()) return; // a home with contents stays as it is
      Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", home.toString())
          .redirectErrorStream(true).start();
      String why = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      homeOnTmpfs = p.waitFor() == 0;
      note(homeOnTmpfs ? "home on a 64 MB tmpfs (disk full can be injected)" : "disk full not injected: no tmpfs (" + why + ")");
    } catch (IOException | InterruptedException e) {
      note("disk full not injected: " + e.getMessage());
    }
  }

  /** The tmpfs goes; what it held is copied back into the home, to be read after the run. */
  private void homeOffTmpfs() throws IOException, InterruptedException {
    if (!homeOnTmpfs) return;
    Path keep = Files.createTempDirectory("stopguard-chaos-home-");
    new ProcessBuilder("cp", "-a", home + "/.", keep.toString()).inheritIO().start().waitFor();
    new ProcessBuilder("umount", "-l", home.toString()).inheritIO().start().waitFor();
    new ProcessBuilder("cp", "-a", keep + "/.", home.toString()).inheritIO().start().waitFor();
    new ProcessBuilder("rm", "-rf", keep.toString()).inheritIO().start().waitFor();
    homeOnTmpfs = false;
  }

  private Result run() throws Exception {
    Files.createDirectories(home);
    if ("root".equals(System.getProperty("user.name"))) homeOnTmpfs();
    try {
      return runOnHome();
    } finally {
      homeOffTmpfs();
    }
  }

  private Result runOnHome() throws Exception {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario(o.accounts()))), 0);
    telegram = new FakeTelegram();
    sim.exchange().history().enable();
    try (Store store = Store.open(db, SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key")))) {
      for (int i = 0; i < o.accounts(); i++) store.keys().put(uid(i), "bitget", "ck" + i, secret(i), passphrase(i), false);
    }
    note("start seed=" + o.seed() + " accounts=" + o.accounts() + " home=" + home + " sim=" + sim.baseUrl());
    watch = startWatch();
    Thread sampler = Thread.ofPlatform().daemon().name("chaos-sampler").start(checker::sample);
    Thread health = Thread.ofPlatform().daemon().name("chaos-health").start(checker::watchHealth);
    long end = t0 + (long) (o.minutes() * 60_000);
    try {
      while (System.currentTimeMillis() < end) {
        nemesis.strike();
        checker.checkRows();
        pause(300 + rnd.nextInt(1200));
      }
      checker.quiesce();
    } finally {
      sampler.interrupt();
      health.interrupt();
      sampler.join(2_000);
      if (watch != null) watch.kill();
      sim.close();
      telegram.close();
    }
    checker.checkHistory();
    checker.checkEnd();
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

  static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /** {@code accounts} accounts (uids 7001…), each with a position and its stop in every one of {@link #SYMBOLS}. */
  static String scenario(int accounts) {
    StringBuilder sb = new StringBuilder("accounts:\n");
    for (int i = 0; i < accounts; i++) {
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

  static String uid(int i) {
    return Integer.toString(7001 + i);
  }

  /** Secrets distinctive enough to be searched for in every log afterwards: none may ever appear. */
  static final String SECRET_MARK = "chaos-secret-";
  static final String PASS_MARK = "chaos-pass-";

  static String secret(int i) {
    return SECRET_MARK + i;
  }

  static String passphrase(int i) {
    return PASS_MARK + i;
  }

  // ------------------------------------------------------------------ the watcher process

  ProcessBuilder watchCommand(Path log) {
    return watchCommand(log, List.of());
  }

  /** The watch command after {@code prefix} (e.g. faketime and its options). */
  ProcessBuilder watchCommand(Path log, List<String> prefix) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"), "io.stopguard.cli.Main", "watch", "--restore", "on", "--grace",
        Double.toString(o.grace().toMillis() / 1000.0), "--interval", Long.toString(INTERVAL_MS / 1000), "--timeout", "2",
        "--listen", "127.0.0.1:0"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("STOPGUARD_HOME", home.toString());
    pb.environment().put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    pb.environment().remove("STOPGUARD_MASTER_KEY");
    pb.environment().remove("STOPGUARD_DB");
    pb.environment().remove("STOPGUARD_CONFIG");
    // alerts go to the Telegram stand-in (the "Telegram down" fault), delivered by the watcher
    pb.environment().put("TELEGRAM_BOT_TOKEN", "123456:chaos-telegram-token");
    pb.environment().put("TELEGRAM_CHAT_ID", "-100777");
    pb.environment().put("TELEGRAM_API_URL", telegram.url());
    return pb;
  }

  GuardProcess startWatch() throws Exception {
    return startWatch(List.of());
  }

  GuardProcess startWatch(List<String> prefix) throws Exception {
    Path log = home.resolve("watch-" + (++watchStarts) + ".log");
    return GuardProcess.start(watchCommand(log, prefix), log, this::note);
  }

  Connection sqlite() throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA busy_timeout = 5000");
    }
    return c;
  }


  // ------------------------------------------------------------------ the record

  void note(String what) {
    String line = rel(System.currentTimeMillis()) + " " + what;
    log.add(line);
  }

  void violation(String kind, String what) {
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

  String rel(long t) {
    return String.format(Locale.ROOT, "%.1fs", (t - t0) / 1000.0);
  }

  static String firstLine(String s) {
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }

  static void pause(long ms) throws InterruptedException {
    if (ms > 0) Thread.sleep(ms);
  }
}
