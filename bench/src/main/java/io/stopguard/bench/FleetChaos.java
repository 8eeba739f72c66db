package io.stopguard.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.JsonNode;
import io.stopguard.cli.Cli;
import io.stopguard.cli.Main;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.sim.TcpProxy;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * The fleet's fault harness: K real {@code stopguard watch} processes (own homes, leaving from
 * 127.0.0.1..K) share a real PostgreSQL server, each through a TCP proxy of its own (so one member
 * can be partitioned from the database, slowed, or vanish without a FIN), against the simulator.
 * A nemesis ({@link FleetNemesis}) draws faults from a seeded random source: members killed,
 * paused, restarted under a skewed clock; PostgreSQL killed, locked, slowed, refusing new
 * connections; Bitget throttling and failing; stops cancelled from outside throughout. A checker
 * ({@link FleetChecker}) samples every position, every member's /health and the database's leases,
 * and judges the history: duplicates, bare beyond the takeover bound outside fault windows, silent
 * failures (a bare position or an account held but not guarded that nothing reported within 15 s),
 * lost rows, and Bitget's per-IP limits.
 *
 * <p>{@code bench/chaos --fleet K --seed N --minutes M}; exits 1 on any violation.
 */
public final class FleetChaos {
  /** What to run. */
  public record Options(long seed, double minutes, int instances, int accounts, Path home, Set<String> only) {
    public Options(long seed, double minutes, int instances, int accounts, Path home) {
      this(seed, minutes, instances, accounts, home, Set.of());
    }

    public Options {
      only = Set.copyOf(only);
      for (String k : only) {
        if (!FleetNemesis.KINDS.contains(k)) throw new IllegalArgumentException("--only: no fault " + k + " (faults: " + FleetNemesis.KINDS + ")");
      }
      if (!(minutes > 0) || minutes > 24 * 60) throw new IllegalArgumentException("--minutes must be > 0 and at most 1440");
      if (instances < 2 || instances > 9) throw new IllegalArgumentException("--fleet must be 2..9 instances");
      if (accounts < instances || accounts > 50) throw new IllegalArgumentException("--accounts must be " + instances + "..50");
    }
  }

  /** The outcome: violations by invariant, faults by kind (database faults counted apart), and the summary line. */
  public record Result(String summary, int duplicates, int bareOverSla, int silentFailures, int lostRows, int rate, int dbFaults,
      Map<String, Integer> faults, List<String> violations) {
    public boolean ok() {
      return duplicates + bareOverSla + silentFailures + lostRows + rate == 0;
    }
  }

  static final int TTL_S = 6;
  static final long GRACE_MS = 500;
  static final int INTERVAL_S = 2;
  /**
   * FLEET.md's takeover bound, with this run's settings: the lease runs out (TTL), the next claim
   * round (TTL/5), the grace, one look (an interval, as taken-over accounts are polled until their
   * WebSocket connects), one placement.
   */
  static final long TAKEOVER_MS = TTL_S * 1_000L + TTL_S * 200L + GRACE_MS + INTERVAL_S * 1_000L + Chaos.ALLOWANCE_MS;
  /** Outside fault windows: a cancelled stop is back within grace + 5 s, as for a single watcher. */
  static final long SLA_MS = GRACE_MS + 5_000;
  /** A bare position or an account held but not guarded must be reported (by /health or its failing probe) within this. */
  static final long REPORT_MS = 15_000;
  static final String ROLE = "guard";
  static final String DATABASE = "stopguard";

  final Options o;
  private final PrintStream out;
  final Random rnd;
  final long t0 = System.currentTimeMillis();
  final String masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
  final boolean faketime = Files.isExecutable(Path.of("/usr/bin/faketime"));
  SimServer sim;
  int pgPort;
  volatile EmbeddedPostgres pg;
  final List<ChaosMember> members = new ArrayList<>();
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  final Map<String, Integer> faults = new TreeMap<>();
  int dbFaults;
  final List<Chaos.Excuse> excuses = new CopyOnWriteArrayList<>();
  int duplicates;
  int bareOverSla;
  int silentFailures;
  int lostRows;
  int rate;
  private final FleetNemesis nemesis = new FleetNemesis(this);
  private final FleetChecker checker = new FleetChecker(this);

  private FleetChaos(Options o, PrintStream out) {
    this.o = o;
    this.out = out;
    this.rnd = new Random(o.seed());
  }

  /** Runs the harness; prints progress, violations with their history, and the summary line. */
  public static Result run(Options o, PrintStream out) throws Exception {
    return new FleetChaos(o, out).run();
  }

  private Result run() throws Exception {
    Files.createDirectories(o.home());
    try (ServerSocket s = new ServerSocket(0)) {
      pgPort = s.getLocalPort();
    }
    startPostgres();
    try (Connection c = admin("postgres"); Statement st = c.createStatement()) {
      // a role that is not a superuser, so that a connection limit applies to it
      st.execute("CREATE ROLE " + ROLE + " LOGIN NOSUPERUSER");
      st.execute("CREATE DATABASE " + DATABASE + " OWNER " + ROLE);
    }
    try (Connection c = admin(DATABASE); Statement st = c.createStatement()) {
      st.execute("ALTER SCHEMA public OWNER TO " + ROLE);
    }
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(Chaos.scenario(o.accounts()))), 0);
    sim.exchange().history().enable();
    importKeys();
    note("start seed=" + o.seed() + " fleet=" + o.instances() + " accounts=" + o.accounts() + " home=" + o.home() + " sim="
        + sim.baseUrl() + " postgres=" + pgPort + (faketime ? "" : " (no /usr/bin/faketime: no clock faults)"));
    for (int n = 1; n <= o.instances(); n++) members.add(new ChaosMember(this, n));
    for (ChaosMember m : members) m.start(List.of());
    Thread watcher = Thread.ofPlatform().daemon().name("fleet-chaos-health").start(checker::watchHealthAndLeases);
    checker.awaitEveryAccountHeld();
    Thread sampler = Thread.ofPlatform().daemon().name("fleet-chaos-sampler").start(checker::sample);
    long end = t0 + (long) (o.minutes() * 60_000);
    try {
      while (System.currentTimeMillis() < end) {
        nemesis.strike();
        nemesis.endExpiredSkews();
        checker.checkRows();
        Chaos.pause(300 + rnd.nextInt(1200));
      }
      nemesis.allClear();
      checker.quiesce();
    } finally {
      sampler.interrupt();
      watcher.interrupt();
      sampler.join(2_000);
      watcher.join(3_000);
      for (ChaosMember m : members) m.stop();
      sim.close();
      Files.write(o.home().resolve("history.log"), log); // the notes, also when the run itself failed
      try {
        if (pg != null) checker.checkEnd();
      } finally {
        if (pg != null) pg.close();
      }
    }
    checker.checkHistory();
    int total = faults.values().stream().mapToInt(Integer::intValue).sum();
    String summary = String.format(Locale.ROOT,
        "chaos seed=%d fleet=%d minutes=%s faults=%d db_faults=%d duplicates=%d bare_over_sla=%d silent_failures=%d lost_rows=%d rate=%d",
        o.seed(), o.instances(), Chaos.trim(o.minutes()), total, dbFaults, duplicates, bareOverSla, silentFailures, lostRows, rate);
    out.println("faults by kind: " + faults);
    out.println("bare stretches by the fault that covered them:");
    checker.bareByFault().forEach(out::println);
    for (String v : violations) out.println(v);
    out.println(summary);
    return new Result(summary, duplicates, bareOverSla, silentFailures, lostRows, rate, dbFaults, Map.copyOf(faults),
        List.copyOf(violations));
  }

  // ------------------------------------------------------------------ PostgreSQL

  private EmbeddedPostgres.Builder postgres() {
    return EmbeddedPostgres.builder().setPort(pgPort).setDataDirectory(o.home().resolve("pgdata")).setCleanDataDirectory(false);
  }

  void startPostgres() throws Exception {
    Exception last = null;
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        pg = postgres().start();
        return;
      } catch (IOException | RuntimeException e) {
        last = e; // after a SIGKILL, orphaned backends may still hold the shared memory for a moment
        Chaos.pause(500);
      }
    }
    throw new IllegalStateException("PostgreSQL did not start again within 60 s", last);
  }

  /** SIGKILL of the postmaster (its backends exit when they notice). */
  void killPostgres() throws Exception {
    String pid = Files.readAllLines(o.home().resolve("pgdata").resolve("postmaster.pid")).getFirst().trim();
    new ProcessBuilder("kill", "-KILL", pid).inheritIO().start().waitFor();
    Chaos.pause(200);
    // releases the data directory's lock that the next start takes (its pg_ctl stop fails: nothing left to stop)
    Logger zonky = (Logger) LoggerFactory.getLogger(EmbeddedPostgres.class);
    Level level = zonky.getLevel();
    zonky.setLevel(Level.OFF); // its "could not stop postmaster" is this fault, not news
    try {
      pg.close();
    } finally {
      zonky.setLevel(level);
    }
  }

  /** A superuser connection straight to the server (not through any member's proxy). */
  Connection admin(String database) throws SQLException {
    Connection c = pg.getDatabase("postgres", database).getConnection();
    try (Statement st = c.createStatement()) {
      st.execute("SET statement_timeout = '3s'");
    }
    return c;
  }

  /** The members' libpq URL, as the non-superuser role, through {@code port}. */
  String memberUrl(int port) {
    return "postgresql://" + ROLE + "@127.0.0.1:" + port + "/" + DATABASE;
  }

  private void importKeys() {
    StringBuilder csv = new StringBuilder("user_id,exchange,api_key,secret,passphrase\n");
    for (int i = 0; i < o.accounts(); i++) {
      csv.append(Chaos.uid(i)).append(",bitget,ck").append(i).append(',').append(Chaos.secret(i)).append(',')
          .append(Chaos.passphrase(i)).append('\n');
    }
    Map<String, String> env = Map.of("STOPGUARD_HOME", o.home().resolve("admin").toString(), "STOPGUARD_DB", memberUrl(pgPort),
        "STOPGUARD_MASTER_KEY", masterKey);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    int code = Main.run(new Cli(env, new ByteArrayInputStream(csv.toString().getBytes(StandardCharsets.UTF_8)), quiet, quiet, false),
        "keys", "import", "--format", "csv");
    if (code != 0) throw new IllegalStateException("keys import failed: exit " + code);
  }

  /** The accounts {@code m} holds a live lease on, as the database says; null when it cannot be asked. */
  Set<String> heldBy(ChaosMember m) {
    String id = m.instance;
    if (id == null && m.proc != null) { // just restarted: ask it now rather than wait for the sampler
      JsonNode h = m.proc.health();
      if (h != null) id = m.instance = h.path("fleet").path("instance").asText(null);
    }
    if (id == null) return null;
    try (Connection c = admin(DATABASE); var st = c.prepareStatement(
        "SELECT user_id FROM lease_status WHERE owner = ? AND expires_at > now()")) {
      st.setString(1, id);
      Set<String> out = new HashSet<>();
      try (var rs = st.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
      return out;
    } catch (SQLException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ the record

  /** An excused window for {@code uids} (null: every account). */
  Chaos.Excuse excuse(Set<String> uids, long start, long end, String why) {
    Chaos.Excuse last = null;
    if (uids == null) {
      last = new Chaos.Excuse(null, start, end, why);
      excuses.add(last);
    } else {
      for (String uid : uids) excuses.add(last = new Chaos.Excuse(uid, start, end, why));
    }
    return last;
  }

  /** Ends the open excuses of {@code why} (opened with an end of Long.MAX_VALUE) at {@code end}. */
  void closeExcuses(String why, long end) {
    for (Chaos.Excuse e : List.copyOf(excuses)) {
      if (e.end() == Long.MAX_VALUE && e.why().equals(why)) {
        excuses.remove(e);
        excuses.add(new Chaos.Excuse(e.uid(), e.start(), end, e.why()));
      }
    }
  }

  void count(String kind, boolean database) {
    faults.merge(kind, 1, Integer::sum);
    if (database) dbFaults++;
  }

  final Map<String, Long> bareSince = new ConcurrentHashMap<>();

  void note(String what) {
    log.add(rel(System.currentTimeMillis()) + " " + what);
  }

  void violation(String kind, String what) {
    switch (kind) {
      case "silent" -> silentFailures++;
      case "bare" -> bareOverSla++;
      case "duplicate" -> duplicates++;
      case "rows" -> lostRows++;
      case "rate" -> rate++;
      default -> throw new IllegalArgumentException(kind);
    }
    long now = System.currentTimeMillis();
    StringBuilder sb = new StringBuilder("VIOLATION [" + kind + "] " + what + "\n  history before it:");
    double at = (now - t0) / 1000.0;
    for (String l : log) {
      double t = Double.parseDouble(l.substring(0, l.indexOf(' ')).replace("s", ""));
      if (t >= at - 30 && t <= at + 1) sb.append("\n    ").append(l);
    }
    for (ChaosMember m : members) {
      try {
        List<String> lines = m.log == null ? List.of() : Files.readAllLines(m.log);
        sb.append("\n  member ").append(m.n).append(" log (last lines):");
        for (String l : lines.subList(Math.max(0, lines.size() - 8), lines.size())) sb.append("\n    ").append(l);
      } catch (IOException e) {
        sb.append("\n  (member ").append(m.n).append(" log unreadable: ").append(e.getMessage()).append(')');
      }
    }
    violations.add(sb.toString());
  }

  String rel(long t) {
    return String.format(Locale.ROOT, "%.1fs", (t - t0) / 1000.0);
  }
}
