package io.stopguard.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.ManualTime;
import io.stopguard.store.Database;
import io.stopguard.store.PgServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's timing on hand-moved time, against a real PostgreSQL: rounds and the self-fence fire
 * when the test moves the clock, so "fenced at exactly half the TTL without a renewal, not a tick
 * before" and "a give-back never leaves an account unowned" are checked step by step rather than
 * by sleeping (the real-process tests in cli/ check the same with real seconds).
 */
class FleetMemberOnManualTimeTest {
  static final Set<String> USERS = IntStream.range(0, 12).mapToObj(i -> "u" + i).collect(Collectors.toUnmodifiableSet());

  @TempDir
  Path dir;

  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : toClose.reversed()) c.close();
  }

  String database() {
    String url = PgServer.newDatabase();
    try (Store admin = Store.open(Database.parse(url, Map.of()), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")))) {
      for (String u : USERS) admin.keys().put(u, "bitget", "bg_" + u, "sec", "pass", false);
    }
    return url;
  }

  FleetMember join(String url, int n, int ttl, ManualTime time, Runnable onChange) {
    FleetMember m = member(url, n, ttl, time);
    m.start(onChange);
    return m;
  }

  /** A member built, not started (as WatchProcess has it before the watcher is built). */
  FleetMember member(String url, int n, int ttl, ManualTime time) {
    Store s = Store.open(Database.parse(url, Map.of()), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")));
    toClose.add(s);
    FleetMember[] self = new FleetMember[1];
    FleetMember m = new FleetMember(s, "member-" + n, "host", "127.0.0." + n, "127.0.0.1:0", ttl, () -> 0, () -> 0, 5700,
        () -> new FleetMember.Guarding(USERS.stream().filter(u -> self[0].owns(u)).collect(Collectors.toSet()), Set.of(), 0),
        time.timebase());
    self[0] = m;
    toClose.add(m);
    return m;
  }

  static Connection jdbc(String url) throws Exception {
    String db = url.substring(url.lastIndexOf('/') + 1);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + PgServer.get().getPort() + "/" + db, "postgres", "");
  }

  @Test
  void aMemberThatCannotRenewFencesAtHalfTheTtlOfItsClockNotATickBeforeAndResumes() throws Exception {
    String url = database();
    ManualTime time = new ManualTime(Instant.parse("2026-12-05T08:00:00Z"));
    AtomicInteger changes = new AtomicInteger();
    int ttl = 5; // rounds every 1 s, the fence checked every 250 ms, fenced 2.5 s after the last renewal
    FleetMember m = join(url, 1, ttl, time, changes::incrementAndGet);
    time.advance(Duration.ofSeconds(1)); // the claiming round
    assertThat(m.owned()).isEqualTo(USERS.size());
    assertThat(m.mayPlaceWithoutStore("u1")).isTrue();
    int changesBefore = changes.get();

    try (Connection c = jdbc(url); Statement st = c.createStatement()) {
      c.setAutoCommit(false);
      st.execute("LOCK TABLE fleet_instances IN ACCESS EXCLUSIVE MODE"); // every renewal now times out
      time.advance(Duration.ofMillis(2_250)); // 2.25 s without a renewal (two rounds failed meanwhile)
      assertThat(m.fenced()).as("not before half the TTL").isFalse();
      assertThat(m.owned()).isEqualTo(USERS.size());
      time.advance(Duration.ofMillis(250)); // 2.5 s: the fence check on its own timer, whatever the round does
      assertThat(m.fenced()).isTrue();
      assertThat(m.owned()).isZero();
      assertThat(m.mayPlaceWithoutStore("u1")).isFalse();
      assertThat(m.degradedBecause()).anySatisfy(w -> assertThat(w).startsWith("fenced"));
      assertThat(m.health().fenced()).isTrue();
      assertThat(changes.get()).as("the watcher was told to drop its accounts").isGreaterThan(changesBefore);
      c.rollback();
    }
    time.advance(Duration.ofSeconds(1)); // the next round renews
    assertThat(m.fenced()).isFalse();
    assertThat(m.owned()).as("guarding again (its leases, or the same accounts claimed again)").isEqualTo(USERS.size());
  }

  @Test
  void membersThatAnnouncedWhileStartingClaimTheirSharesAsSoonAsTheyAreReadyIfTheSecondHasPassed() throws Exception {
    String url = database();
    ManualTime time = new ManualTime(Instant.parse("2026-12-05T08:00:00Z"));
    int ttl = 15;
    FleetMember a = member(url, 1, ttl, time);
    FleetMember b = member(url, 2, ttl, time);
    a.announce(); // first thing after the store opens, before each builds its watcher
    b.announce();
    time.advance(Duration.ofMillis(1_500)); // building the rest of the process
    assertThat(a.owned() + b.owned()).as("an announcement claims nothing").isZero();
    a.start(() -> { });
    b.start(() -> { });
    time.advance(Duration.ZERO);
    assertThat(a.owned()).as("claimed at once, not a second after start").isEqualTo(USERS.size() / 2);
    assertThat(b.owned()).isEqualTo(USERS.size() / 2);

    FleetMember c = member(url, 3, ttl, time); // announced and started at once: claims a second later, as before
    c.start(() -> { });
    time.advance(Duration.ofMillis(999));
    assertThat(c.owned()).isZero();
  }

  @Test
  void aJoiningMemberTakesItsShareByHandOffAndNoAccountIsUnownedAtAnyStep() throws Exception {
    String url = database();
    ManualTime time = new ManualTime(Instant.parse("2026-12-05T08:00:00Z"));
    int ttl = 15; // rounds every 3 s of the test's clock; the database's own clock moves by real time only
    FleetMember first = join(url, 1, ttl, time, () -> { });
    time.advance(Duration.ofSeconds(1));
    assertThat(first.owned()).isEqualTo(USERS.size());
    FleetMember second = join(url, 2, ttl, time, () -> { });
    int unownedSeen = 0;
    boolean settled = false;
    try (Connection c = jdbc(url); Statement st = c.createStatement()) {
      for (int step = 0; step < 200 && !settled; step++) { // up to 50 s of the test's clock
        time.advance(Duration.ofMillis(250));
        try (ResultSet r = st.executeQuery("SELECT count(*) FILTER (WHERE owner IS NULL OR expires_at <= now()) FROM lease_status")) {
          r.next();
          unownedSeen = Math.max(unownedSeen, r.getInt(1));
        }
        // the giver guards an offered account until its taker holds it: never one that neither guards
        Set<String> neither = USERS.stream().filter(u -> !first.owns(u) && !second.owns(u)).collect(Collectors.toSet());
        assertThat(neither).as("guarded by no one at step " + step).isEmpty();
        settled = first.owned() == USERS.size() / 2 && second.owned() == USERS.size() / 2;
      }
    }
    assertThat(settled).as("shares even: " + first.owned() + " / " + second.owned()).isTrue();
    assertThat(unownedSeen).as("a give-back is a hand-off: never unowned on the way").isZero();
  }
}
