package io.stopguard.bench;

import io.stopguard.sim.Faults;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.TcpProxy;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * The fleet run's faults ({@link FleetChaos}): members killed, paused, partitioned from the
 * database, gone without a FIN, slowed, restarted under a skewed clock or with another master key; PostgreSQL killed, locked,
 * refusing new connections; Bitget throttling and failing. Stops are cancelled from outside
 * throughout, most of all inside the faults. Each fault excuses, for the checker, the accounts it
 * can leave bare until the takeover bound after it ends; nothing excuses silence or a second stop.
 */
final class FleetNemesis {
  private final FleetChaos run;
  private final List<TcpProxy> zombies = new ArrayList<>();

  FleetNemesis(FleetChaos run) {
    this.run = run;
  }

  /** A fault the nemesis can draw: its name (as counted and as {@code --only} takes it) and its weight in 100. */
  private record Kind(String name, int weight, Action action) {}

  @FunctionalInterface
  private interface Action {
    void run() throws Exception;
  }

  private final List<Kind> kinds = List.of(
      new Kind("outside-cancel", 28, () -> cancelFromOutside(null)),
      new Kind("sigkill", 7, this::kill),
      new Kind("sigstop", 6, this::sigstop),
      new Kind("postgres-killed", 6, this::postgresKilled),
      new Kind("table-lock", 6, this::tableLocked),
      new Kind("database-link-slow", 5, this::slowLink),
      new Kind("partition-from-postgres", 7, this::partitioned),
      new Kind("new-connections-refused", 6, this::connectionsRefused),
      new Kind("host-gone-without-fin", 6, this::goneWithoutFin),
      new Kind("clock-skew", 3, this::clockSkew),
      new Kind("another-master-key", 2, this::anotherMasterKey),
      new Kind("429-burst", 6, () -> burst("429")),
      new Kind("5xx-burst", 5, () -> burst("5xx")),
      new Kind("open-or-close", 7, this::openOrClose));

  static final List<String> KINDS = List.of("outside-cancel", "sigkill", "sigstop", "postgres-killed", "table-lock",
      "database-link-slow", "partition-from-postgres", "new-connections-refused", "host-gone-without-fin", "clock-skew",
      "another-master-key", "429-burst", "5xx-burst", "open-or-close");

  /** One fault, drawn by weight from the seeded source (among {@code Options.only} when given). */
  void strike() throws Exception {
    while (true) {
      int roll = run.rnd.nextInt(100);
      for (Kind k : kinds) {
        if ((roll -= k.weight()) < 0) {
          if (run.o.only().isEmpty() || run.o.only().contains(k.name())) {
            k.action().run();
            return;
          }
          break;
        }
      }
    }
  }

  /** A running member, the accounts it held when the fault began, and when it began. */
  private record Target(ChaosMember m, Set<String> held, long start) {}

  /** A running member (null: none), its accounts excused for {@code why} until {@code ms} from now (MAX_VALUE: until closed). */
  private Target target(String why, long ms) {
    ChaosMember m = someMember();
    if (m == null) return null;
    Set<String> held = run.heldBy(m);
    long start = System.currentTimeMillis();
    run.excuse(held, start, ms == Long.MAX_VALUE ? ms : start + ms, why);
    return new Target(m, held, start);
  }

  private ChaosMember someMember() {
    List<ChaosMember> up = run.members.stream().filter(m -> m.alive() && !m.paused).toList();
    return up.isEmpty() ? null : up.get(run.rnd.nextInt(up.size()));
  }

  /** A stop cancelled from outside, on one of {@code among} (null: any account). */
  private void cancelFromOutside(Set<String> among) {
    List<String> uids = new ArrayList<>();
    for (int i = 0; i < run.o.accounts(); i++) if (among == null || among.contains(Chaos.uid(i))) uids.add(Chaos.uid(i));
    if (uids.isEmpty()) return;
    String uid = uids.get(run.rnd.nextInt(uids.size()));
    String[] p = Chaos.SYMBOLS[run.rnd.nextInt(Chaos.SYMBOLS.length)].split(":");
    int n = run.sim.exchange().cancelStopsFromOutside(uid, p[0], p[1]);
    if (among == null) run.count("outside-cancel", false);
    run.note("outside cancel " + uid + ":" + p[0] + ":" + p[1] + " (" + n + ")");
  }

  private void maybeCancel(Set<String> among) {
    if (run.rnd.nextInt(10) < 7) cancelFromOutside(among);
  }

  private void kill() throws Exception {
    Target t = target("member killed", Long.MAX_VALUE);
    if (t == null) return;
    ChaosMember m = t.m();
    Set<String> held = t.held();
    m.kill();
    run.count("sigkill", false);
    run.note("SIGKILL member " + m.n + " (held " + held + ")");
    maybeCancel(held);
    Chaos.pause(run.rnd.nextInt(3_000));
    m.start(List.of());
    run.closeExcuses("member killed", System.currentTimeMillis() + FleetChaos.TAKEOVER_MS);
  }

  private void sigstop() throws Exception {
    long ms = 1_000 + run.rnd.nextInt(12_000);
    Target t = target("member paused", ms + FleetChaos.TAKEOVER_MS);
    if (t == null) return;
    ChaosMember m = t.m();
    Set<String> held = t.held();
    m.signal("STOP");
    run.count("sigstop", false);
    run.note("SIGSTOP member " + m.n + " for " + ms + " ms (held " + held + ")");
    maybeCancel(held);
    Chaos.pause(ms);
    m.signal("CONT");
  }

  private void postgresKilled() throws Exception {
    long start = System.currentTimeMillis();
    run.excuse(null, start, Long.MAX_VALUE, "PostgreSQL killed");
    run.killPostgres();
    run.count("postgres-killed", true);
    long ms = 3_000 + run.rnd.nextInt(15_000);
    run.note("PostgreSQL SIGKILLed for " + ms + " ms");
    maybeCancel(null);
    Chaos.pause(ms);
    run.startPostgres();
    run.note("PostgreSQL back");
    run.closeExcuses("PostgreSQL killed", System.currentTimeMillis() + FleetChaos.TAKEOVER_MS);
  }

  /**
   * A session holds a table lock: on the leases (renewals time out, every member fences) or on what
   * looks write (looks wait; renewals go on). Either way no restore is recorded meanwhile.
   */
  private void tableLocked() throws Exception {
    String tables = run.rnd.nextBoolean() ? "account_leases" : "incidents, position_status";
    long ms = 3_000 + run.rnd.nextInt(17_000);
    long start = System.currentTimeMillis();
    run.excuse(null, start, start + ms + FleetChaos.TAKEOVER_MS, "table lock");
    try (Connection c = run.pg.getDatabase("postgres", FleetChaos.DATABASE).getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("LOCK TABLE " + tables + " IN ACCESS EXCLUSIVE MODE");
      }
      run.count("table-lock", true);
      run.note("LOCK TABLE " + tables + " held for " + ms + " ms");
      maybeCancel(null);
      Chaos.pause(ms);
      c.rollback();
    }
  }

  private void slowLink() throws Exception {
    long ms = 5_000 + run.rnd.nextInt(10_000);
    long latency = 100 + run.rnd.nextInt(900);
    Target t = target("slow database link", ms + FleetChaos.TAKEOVER_MS);
    if (t == null) return;
    ChaosMember m = t.m();
    Set<String> held = t.held();
    m.proxy.delay(latency);
    run.count("database-link-slow", true);
    run.note("member " + m.n + "'s database link delays every chunk " + latency + " ms for " + ms + " ms (held " + held + ")");
    maybeCancel(held);
    Chaos.pause(ms);
    m.proxy.delay(0);
  }

  private void partitioned() throws Exception {
    long ms = 3_000 + run.rnd.nextInt(22_000);
    Target t = target("partitioned from PostgreSQL", Long.MAX_VALUE);
    if (t == null) return;
    ChaosMember m = t.m();
    Set<String> held = t.held();
    m.proxy.cut();
    run.count("partition-from-postgres", true);
    run.note("member " + m.n + " partitioned from PostgreSQL for " + ms + " ms, Bitget still reachable (held " + held + ")");
    maybeCancel(held);
    Chaos.pause(ms);
    m.proxy.heal();
    run.note("member " + m.n + " healed");
    run.closeExcuses("partitioned from PostgreSQL", System.currentTimeMillis() + FleetChaos.TAKEOVER_MS);
  }

  /** The role's connection limit at 0 (a password rotation, max_connections, pg_hba): open sessions go on; sometimes a member dies meanwhile. */
  private void connectionsRefused() throws Exception {
    long ms = 5_000 + run.rnd.nextInt(15_000);
    long start = System.currentTimeMillis();
    // A member keeps the sessions it has, but one without (just restarted, or PostgreSQL itself just
    // came back and broke them all) has a database outage for as long: bare is excused everywhere
    // until the takeover bound after; the silence checks still apply.
    run.excuse(null, start, Long.MAX_VALUE, "new connections refused");
    alterRole(0);
    run.count("new-connections-refused", true);
    ChaosMember victim = run.rnd.nextBoolean() ? someMember() : null;
    Set<String> held = victim == null ? Set.of() : run.heldBy(victim);
    if (victim != null) {
      run.excuse(held, start, Long.MAX_VALUE, "member killed while connections refused");
      victim.kill();
    }
    run.note("new connections refused for " + ms + " ms" + (victim == null ? "" : "; member " + victim.n + " SIGKILLed (held " + held + ")"));
    maybeCancel(null);
    Chaos.pause(ms);
    alterRole(-1);
    run.note("connections accepted again");
    run.closeExcuses("new connections refused", System.currentTimeMillis() + FleetChaos.TAKEOVER_MS);
    if (victim != null) {
      victim.start(List.of());
      run.closeExcuses("member killed while connections refused", System.currentTimeMillis() + FleetChaos.TAKEOVER_MS);
    }
  }

  private void alterRole(int limit) throws SQLException {
    try (Connection c = run.admin("postgres"); Statement st = c.createStatement()) {
      st.execute("ALTER ROLE " + FleetChaos.ROLE + " CONNECTION LIMIT " + limit);
    }
  }

  /** Power lost: the member's link goes silent, then the process dies; its sessions live on at the server until the proxy is closed much later. */
  private void goneWithoutFin() throws Exception {
    Target t = target("host gone without a FIN", Long.MAX_VALUE);
    if (t == null) return;
    ChaosMember m = t.m();
    Set<String> held = t.held();
    m.proxy.cut();
    m.kill();
    synchronized (zombies) {
      zombies.add(m.proxy);
    }
    TcpProxy zombie = m.proxy;
    m.proxy = null;
    long keep = 20_000 + run.rnd.nextInt(40_000);
    Thread.ofPlatform().daemon().start(() -> {
      try {
        Thread.sleep(keep);
        zombie.close();
      } catch (Exception ignored) {
        // the run is ending; allClear closes it
      }
    });
    run.count("host-gone-without-fin", true);
    run.note("member " + m.n + " gone without a FIN (its sessions held open for " + keep + " ms; held " + held + ")");
    maybeCancel(held);
    Chaos.pause(2_000 + run.rnd.nextInt(6_000));
    m.start(List.of());
    run.closeExcuses("host gone without a FIN", System.currentTimeMillis() + FleetChaos.TAKEOVER_MS);
  }

  /** A member restarted under a host clock 90 s off (libfaketime); it runs so for 20–60 s while other faults go on. */
  private void clockSkew() throws Exception {
    if (!run.faketime) return;
    ChaosMember m = someMember();
    if (m == null || m.skewedUntil != 0) return;
    String skew = run.rnd.nextBoolean() ? "+90s" : "-90s";
    restart(m, List.of("/usr/bin/faketime", "-f", skew), "clock skewed " + skew);
    m.skewedUntil = System.currentTimeMillis() + 20_000 + run.rnd.nextInt(40_000);
    run.count("clock-skew", false);
  }

  /**
   * A member restarted with another master key (a host provisioned wrong): it must refuse to start
   * (exit 3, naming both key identifiers) rather than hold accounts it cannot open; the others take
   * its accounts over. Then it is started again with the fleet's key.
   */
  private void anotherMasterKey() throws Exception {
    ChaosMember m = someMember();
    if (m == null || m.skewedUntil != 0) return;
    Set<String> held = run.heldBy(m);
    long start = System.currentTimeMillis();
    run.excuse(held, start, Long.MAX_VALUE, "member restarted");
    m.kill();
    m.masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
    try {
      m.start(List.of());
      run.violation("silent", "member " + m.n + " started with another master key (it would hold accounts it cannot open)");
      m.kill();
    } catch (IllegalStateException refused) {
      String why = String.valueOf(refused.getMessage());
      if (why.contains("cannot open database")) {
        run.note("member " + m.n + " with another master key could not reach the store: " + Chaos.firstLine(why));
      } else if (!why.contains("is sealed with master key")) {
        run.violation("silent", "member " + m.n + " with another master key failed without naming the keys: "
            + Chaos.firstLine(why));
      } else {
        run.note("member " + m.n + " refused to start with another master key, as it should");
      }
    }
    run.count("another-master-key", false);
    maybeCancel(held);
    Chaos.pause(2_000 + run.rnd.nextInt(4_000));
    m.masterKey = null;
    m.start(List.of());
    run.note("member " + m.n + " restarted with the fleet's key (held " + held + ")");
    run.closeExcuses("member restarted", System.currentTimeMillis() + FleetChaos.TAKEOVER_MS);
  }

  void endExpiredSkews() throws Exception {
    for (ChaosMember m : run.members) {
      if (m.skewedUntil != 0 && System.currentTimeMillis() >= m.skewedUntil) {
        m.skewedUntil = 0;
        m.masterKey = null;
        restart(m, List.of(), "clock and key right again");
      }
    }
  }

  private void restart(ChaosMember m, List<String> prefix, String why) throws Exception {
    Set<String> held = run.heldBy(m);
    long start = System.currentTimeMillis();
    run.excuse(held, start, Long.MAX_VALUE, "member restarted");
    m.kill();
    m.start(prefix);
    run.note("member " + m.n + " restarted: " + why + " (held " + held + ")");
    run.closeExcuses("member restarted", System.currentTimeMillis() + FleetChaos.TAKEOVER_MS);
    maybeCancel(held);
  }

  private void burst(String kind) throws InterruptedException {
    long ms = 2_000 + run.rnd.nextInt(4_000);
    Faults.Spec spec = kind.equals("429") ? new Faults.Spec(0, 0, 0, 1_000_000, 0, 0)
        : new Faults.Spec(0, 0, 0.5 + run.rnd.nextDouble() / 2, 0, 0, 0);
    long start = System.currentTimeMillis();
    run.excuse(null, start, start + ms + Chaos.ALLOWANCE_MS + 1_000, kind + " burst");
    run.sim.faults().set("*", spec);
    run.count(kind + "-burst", false);
    run.note(kind + " burst for " + ms + " ms");
    maybeCancel(null);
    Chaos.pause(ms);
    run.sim.faults().clear();
  }

  private void openOrClose() {
    String uid = Chaos.uid(run.rnd.nextInt(run.o.accounts()));
    String[] p = Chaos.SYMBOLS[run.rnd.nextInt(Chaos.SYMBOLS.length)].split(":");
    if (run.sim.exchange().positionStops().containsKey(uid + ":" + p[0] + ":" + p[1])) {
      run.sim.exchange().closePosition(uid, p[0], p[1]);
      run.count("close", false);
      run.note("position closed " + uid + ":" + p[0] + ":" + p[1]);
    } else {
      run.sim.exchange().openPosition(uid, new Scenario.PositionSpec(p[0], p[1], new BigDecimal(p[2]), new BigDecimal(p[3]),
          null, null, null));
      run.count("open-bare", false);
      run.note("position opened without a stop " + uid + ":" + p[0] + ":" + p[1]);
    }
  }

  /** Every fault off before the quiet period: links healed, connections accepted, clocks right, every member up. */
  void allClear() throws Exception {
    run.sim.faults().clear();
    try {
      alterRole(-1);
    } catch (SQLException e) {
      run.note("cannot reset the connection limit: " + e.getMessage());
    }
    synchronized (zombies) {
      for (TcpProxy z : zombies) z.close();
    }
    for (ChaosMember m : run.members) {
      if (m.paused) m.signal("CONT");
      if (m.proxy != null) {
        m.proxy.heal();
        m.proxy.delay(0);
      }
      if (m.skewedUntil != 0 || !m.alive()) {
        m.skewedUntil = 0;
        m.masterKey = null;
        restart(m, List.of(), "all clear");
      }
    }
  }
}
