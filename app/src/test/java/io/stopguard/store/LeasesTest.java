package io.stopguard.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.cli.Psql;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet's leases on a real PostgreSQL server: claims, balance inputs, expiry on the database's clock, fencing. */
class LeasesTest {
  @TempDir
  Path dir;

  private Store open(Database db) {
    return Store.open(db, SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")));
  }

  @Test
  void aLeaseLostToAnotherInstanceFailsTheFenceAndEachClaimRaisesTheEpoch() throws Exception {
    Database db = Database.parse(PgServer.newDatabase(), Map.of());
    try (Store s = open(db)) {
      for (int i = 0; i < 4; i++) s.keys().put("u" + i, "bitget", "bg_k" + i, "sec", "pass", false);
      Leases l = s.leases();
      l.heartbeat(new Leases.Heartbeat("a", "host-a", "127.0.0.2", "127.0.0.1:1", 0, 0, 0, null, 0, 120, 4800, Leases.Positions.NONE));
      l.heartbeat(new Leases.Heartbeat("b", "host-b", "127.0.0.3", "127.0.0.1:2", 0, 0, 0, null, 0, 0, 4800, Leases.Positions.NONE));
      l.syncAccounts();
      assertThat(l.accounts()).isEqualTo(4);
      assertThat(l.unowned()).isEqualTo(4);
      assertThat(l.liveInstances(10)).isEqualTo(2);

      // an instance that cannot decrypt more than half the keys takes no share
      l.heartbeat(new Leases.Heartbeat("c", "host-c", "127.0.0.4", "127.0.0.1:3", 0, 3, 0, null, 0, 0, 4800, Leases.Positions.NONE));
      assertThat(l.liveInstances(10)).isEqualTo(2);
      l.heartbeat(new Leases.Heartbeat("c", "host-c", "127.0.0.4", "127.0.0.1:3", 0, 2, 0, null, 0, 0, 4800, Leases.Positions.NONE));
      assertThat(l.liveInstances(10)).isEqualTo(3);
      l.heartbeat(new Leases.Heartbeat("c", "host-c", "127.0.0.4", "127.0.0.1:3", 0, 0, 0, "Bitget has not answered for 20 s", 0, 0,
          4800, Leases.Positions.NONE));
      assertThat(l.liveInstances(10)).as("an instance unable to guard takes no share").isEqualTo(2);
      assertThat(l.instances(10)).filteredOn(i -> i.id().equals("c")).singleElement()
          .satisfies(i -> assertThat(i.unable()).isEqualTo("Bitget has not answered for 20 s"));
      l.leave("c");
      assertThat(l.renew("a", 2)).as("a new instance's first renewal takes an empty lease").isEmpty();
      assertThat(l.renew("b", 30)).isEmpty();
      // free for less than a TTL: not claimable beyond a fair share; avoided accounts never
      assertThat(l.claim("a", 10, 30, Set.of(), true)).isEmpty();
      Map<String, Long> a = l.claim("a", 2, 30, Set.of(), false);
      assertThat(a).containsOnlyKeys("u0", "u1").containsValue(1L);
      assertThat(l.claim("b", 10, 30, Set.of("u3"), false)).containsOnlyKeys("u2");
      assertThat(l.claim("b", 10, 30, Set.of(), false)).containsOnlyKeys("u3"); // SKIP LOCKED / owned rows are not claimable
      assertThat(l.stillHeld("u0", "a", 1, 0)).isTrue();
      assertThat(l.stillHeld("u0", "b", 1, 0)).isFalse();

      assertThat(l.renew("a", 2)).as("renewing the instance's lease holds its accounts").containsOnlyKeys("u0", "u1");
      // a's 2 s lease expires on the database's clock (whatever this JVM's clock says)
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
          .until(() -> l.unowned() == 2);
      assertThat(l.renew("a", 30)).isEmpty(); // too late: expired leases are not renewed
      assertThat(l.unowned()).isEqualTo(2);
      assertThat(l.claim("b", 10, 30, Set.of(), true)).as("expired just now: not yet free for a TTL").isEmpty();
      Map<String, Long> b = l.claim("b", 10, 30, Set.of(), false);
      assertThat(b).containsEntry("u0", 2L).containsEntry("u1", 2L);
      // a wakes up remembering epoch 1: the fence says no, whatever a's clock thinks
      assertThat(l.stillHeld("u0", "a", 1, 0)).isFalse();
      assertThat(l.stillHeld("u0", "b", 2, 0)).isTrue();
      assertThat(l.stillHeld("u0", "b", 2, 60)).isFalse(); // not enough lease left to act on

      l.release("b", List.of("u3"));
      assertThat(l.unowned()).isEqualTo(1);
      l.leave("b");
      assertThat(l.unowned()).isEqualTo(4);
      assertThat(l.instances(10)).singleElement().satisfies(i -> {
        assertThat(i.id()).isEqualTo("a");
        assertThat(i.requestsPerMinute()).isEqualTo(120);
        assertThat(i.requestBudget()).isEqualTo(4800);
      });
    }
  }

  @Test
  void twoInstancesClaimingAtTheSameMomentNeverBothGetAnAccount() throws Exception {
    // Found by bench/fleet: three instances started together, two of them claimed the same 1,000
    // accounts within 10 ms, and the one overwritten lost them at its next round (a lost round each).
    Database db = Database.parse(PgServer.newDatabase(), Map.of());
    int accounts = 400;
    try (Store s = open(db); Leases a = s.leasesOnOwnConnection(Duration.ofSeconds(5));
        Leases b = s.leasesOnOwnConnection(Duration.ofSeconds(5))) {
      s.inTransaction(() -> {
        for (int i = 0; i < accounts; i++) s.keys().put("u" + (1000 + i), "bitget", "bg_k" + i, "sec", "pass", false);
      });
      a.heartbeat(new Leases.Heartbeat("a", "host-a", "127.0.0.2", "127.0.0.1:1", 0, 0, 0, null, 0, 0, 4800, Leases.Positions.NONE));
      b.heartbeat(new Leases.Heartbeat("b", "host-b", "127.0.0.3", "127.0.0.1:2", 0, 0, 0, null, 0, 0, 4800, Leases.Positions.NONE));
      a.renew("a", 60); // both live: neither may take what the other holds
      b.renew("b", 60);
      a.syncAccounts();
      try (ExecutorService two = Executors.newFixedThreadPool(2)) {
        for (int round = 0; round < 80; round++) { // the old claim failed within 1 to 15 rounds here
          CyclicBarrier together = new CyclicBarrier(2);
          Future<Map<String, Long>> byA = two.submit(() -> {
            together.await();
            return a.claim("a", accounts / 2 + 50, 30, Set.of(), false);
          });
          Future<Map<String, Long>> byB = two.submit(() -> {
            together.await();
            return b.claim("b", accounts / 2 + 50, 30, Set.of(), false);
          });
          Set<String> both = new HashSet<>(byA.get().keySet());
          both.retainAll(byB.get().keySet());
          assertThat(both).as("claimed by both a and b in round " + round).isEmpty();
          a.release("a", List.copyOf(byA.get().keySet()));
          b.release("b", List.copyOf(byB.get().keySet()));
        }
      }
    }
  }

  @Test
  void aRenewalWritesOneRowWhateverItHoldsAndAnOfferedAccountIsHandedOverWhileItsOwnerGuardsIt() throws Exception {
    String url = PgServer.newDatabase();
    Database db = Database.parse(url, Map.of());
    try (Store s = open(db); Leases l = s.leasesOnOwnConnection(Duration.ofSeconds(2))) {
      for (int i = 0; i < 50; i++) s.keys().put("u" + (100 + i), "bitget", "bg_k" + i, "sec", "pass", false);
      l.heartbeat(new Leases.Heartbeat("a", "host-a", null, "127.0.0.1:1", 0, 0, 0, null, 0, 0, 4800, Leases.Positions.NONE));
      l.heartbeat(new Leases.Heartbeat("b", "host-b", null, "127.0.0.1:2", 0, 0, 0, null, 0, 0, 4800,
          new Leases.Positions(0, 0, 5)));
      l.syncAccounts();
      l.renew("a", 30);
      l.renew("b", 30);
      assertThat(l.claim("a", 50, 30, Set.of(), false)).hasSize(50);
      String rows = "SELECT string_agg(user_id || ':' || xmin, ',' ORDER BY user_id) FROM account_leases";
      String before = Psql.query(url, rows);
      for (int r = 0; r < 3; r++) assertThat(l.renew("a", 30)).hasSize(50);
      assertThat(Psql.query(url, rows)).as("no account row is written by a renewal").isEqualTo(before);

      // a offers u100 (positions polled for want of a WebSocket) and u101 (to balance counts)
      l.offer("a", Map.of("u100", 3, "u101", 1));
      assertThat(l.claim("b", 10, 30, Set.of(), false)).as("offered accounts are not free").isEmpty();
      assertThat(l.positionShares(10)).extracting(Leases.PositionShare::instanceId).containsExactlyInAnyOrder("a", "b");
      Map<String, Long> got = l.claim("b", 10, 30, Set.of(), false, List.of(3), null);
      assertThat(got).containsExactly(Map.entry("u100", 2L));
      assertThat(l.stillHeld("u100", "a", 1, 0)).as("the giver's acts stop at the claim").isFalse();
      assertThat(l.stillHeld("u101", "a", 1, 0)).as("an offered account is still its owner's").isTrue();
      assertThat(l.renew("a", 30)).hasSize(49).doesNotContainKey("u100");
      l.offer("a", Map.of()); // offers withdrawn: u101 no longer for the taking
      assertThat(l.claim("b", 10, 30, Set.of(), false, List.of(1, 2, 3), null)).isEmpty();
      assertThat(l.unowned()).isZero();
    }
  }

  @Test
  void aFleetLockIsALeaseOnTheDatabasesClock() throws Exception {
    Database db = Database.parse(PgServer.newDatabase(), Map.of());
    try (Store s = open(db); Leases l = s.leasesOnOwnConnection(Duration.ofSeconds(2))) {
      assertThat(l.holdLock("alert delivery", "a", 1)).isTrue();
      assertThat(l.holdLock("alert delivery", "a", 1)).as("renewed by its holder").isTrue();
      assertThat(l.holdLock("alert delivery", "b", 30)).as("held by another").isFalse();
      // a stops renewing (frozen, or gone without closing its session): b has it once it expires
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
          .until(() -> l.holdLock("alert delivery", "b", 30));
      assertThat(l.holdLock("alert delivery", "a", 1)).as("a, waking up, does not get it back").isFalse();
      l.releaseLock("alert delivery", "a"); // not a's: nothing happens
      assertThat(l.holdLock("alert delivery", "a", 1)).isFalse();
      l.releaseLock("alert delivery", "b");
      assertThat(l.holdLock("alert delivery", "a", 1)).isTrue();
    }
  }
}
