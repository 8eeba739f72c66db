package io.stopguard.store;

import io.stopguard.config.Build;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet's tables ({@code fleet_instances}, {@code account_leases}) on a PostgreSQL store. Every
 * time here is the database's ({@code now()}), never a host's. Obtain from {@link Store#leases()}
 * (the store's connection and monitor: the fencing check inside a restore's transaction) or
 * {@link Store#leasesOnOwnConnection} (a fleet member's rounds: a connection and a lock of their
 * own, with statement, lock and idle-transaction timeouts, so that a slow statement or a held
 * table lock elsewhere never delays a renewal past the self-fence).
 */
public final class Leases implements AutoCloseable {
  private final Sql sql;

  Leases(Store store) {
    this.sql = store.sql;
  }

  /** On a session of its own (a fleet member's rounds: their own connection, lock and timeouts). */
  Leases(Sql.Session session) {
    this.sql = new Sql(session);
  }

  /** Closes the connection of its own, if it has one (the store's stays open). */
  @Override
  public void close() {
    try {
      sql.session().close();
    } catch (Exception ignored) {
      // closing a broken connection
    }
  }

  /** An instance as {@code stopguard fleet} shows it. */
  /**
   * An instance as {@code stopguard fleet} shows it: {@code accounts} it holds live leases on (the
   * database's view), {@code guarded} of them as its last heartbeat said, and {@code undecryptable}:
   * accounts whose keys it cannot decrypt, {@code heldNotGuarded}: accounts it has held for a round or
   * more without guarding them.
   */
  public record Instance(String id, String host, String sourceIp, String listen, Instant startedAt, Instant heartbeatAt,
      int accounts, int guarded, int undecryptable, int heldNotGuarded, String unable, int webSockets, int requestsPerMinute, int requestBudget, boolean alive,
      String version) {}

  /** One account's lease. */
  public record Lease(String userId, String owner, long epoch, Instant expiresAt, boolean live) {}


  /**
   * What an instance says of itself each round: {@code guarded}, the accounts its watcher guards;
   * {@code undecryptable}, those whose keys it cannot decrypt; {@code heldNotGuarded}, those it has
   * held a round or more without guarding them; {@code unable}, why it cannot guard any account
   * now (null when it can). An instance that cannot decrypt most keys, or is unable, takes no fair
   * share, so the others cover what it cannot guard.
   */
  public record Heartbeat(String id, String host, String sourceIp, String listen, int guarded, int undecryptable,
      int heldNotGuarded, String unable, int webSockets, int requestsPerMinute, int requestBudget, Positions positions) {}

  /**
   * What balancing by positions needs from each instance: {@code positioned} accounts it guards that
   * hold positions, {@code polled} of them without a WebSocket, and {@code webSocketRoom} private
   * WebSockets it could still open.
   */
  public record Positions(int positioned, int polled, int webSocketRoom) {
    public static final Positions NONE = new Positions(0, 0, 0);
  }

  /** Registers or refreshes this instance. */
  public void heartbeat(Heartbeat h) {
    sql.work("write the fleet heartbeat", c -> {
      try (PreparedStatement st = c.prepareStatement("""
          INSERT INTO fleet_instances (instance_id, host, source_ip, listen, started_at, heartbeat_at, accounts, websockets,
                                       requests_per_minute, request_budget, undecryptable, held_not_guarded, unable,
                                       positioned, polled_positioned, websocket_room, version)
          VALUES (?, ?, ?, ?, now(), now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = now(), accounts = excluded.accounts,
            websockets = excluded.websockets, requests_per_minute = excluded.requests_per_minute,
            request_budget = excluded.request_budget, undecryptable = excluded.undecryptable,
            held_not_guarded = excluded.held_not_guarded, unable = excluded.unable, positioned = excluded.positioned,
            polled_positioned = excluded.polled_positioned, websocket_room = excluded.websocket_room,
            version = excluded.version""")) {
        st.setString(1, h.id());
        st.setString(2, h.host());
        st.setString(3, h.sourceIp());
        st.setString(4, h.listen());
        st.setInt(5, h.guarded());
        st.setInt(6, h.webSockets());
        st.setInt(7, h.requestsPerMinute());
        st.setInt(8, h.requestBudget());
        st.setInt(9, h.undecryptable());
        st.setInt(10, h.heldNotGuarded());
        st.setString(11, h.unable());
        st.setInt(12, h.positions().positioned());
        st.setInt(13, h.positions().polled());
        st.setInt(14, h.positions().webSocketRoom());
        Build b = Build.current();
        st.setString(15, b.version() + " " + b.revision());
        st.executeUpdate();
      }
      return null;
    });
  }

  /** Leaves the fleet: its leases end at once, so the others take its accounts without waiting for expiry. */
  public void leave(String id) {
    sql.work("leave the fleet", c -> {
      try (PreparedStatement a = c.prepareStatement(
              "UPDATE account_leases SET owner = NULL, offered = 0, expires_at = now() WHERE owner = ?");
          PreparedStatement b = c.prepareStatement("DELETE FROM fleet_instances WHERE instance_id = ?")) {
        a.setString(1, id);
        a.executeUpdate();
        b.setString(1, id);
        b.executeUpdate();
      }
      return null;
    });
  }

  /**
   * A lease row for every user with an active key; rows of users without one are dropped. A free
   * row's {@code expires_at} says since when it is free (its insertion, release or expiry).
   */
  public void syncAccounts() {
    sql.work("list the fleet's accounts", c -> {
      try (PreparedStatement ins = c.prepareStatement("""
          INSERT INTO account_leases (user_id, expires_at) SELECT DISTINCT user_id, now() FROM user_exchange_keys WHERE is_active = 1
          ON CONFLICT (user_id) DO NOTHING""");
          PreparedStatement del = c.prepareStatement("""
          DELETE FROM account_leases WHERE user_id NOT IN
            (SELECT user_id FROM user_exchange_keys WHERE is_active = 1)""")) {
        ins.executeUpdate();
        del.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Extends this instance's lease by {@code ttlSeconds} and returns what it holds: user → epoch.
   * One row is written per round whatever the number of accounts (the accounts' rows are only read):
   * an account is held while its owner's lease lasts. A lease that expired before this renewal
   * (a pause, a cut) is not revived: the accounts still naming this instance are freed (as of the
   * expiry) and nothing is returned, so each must be claimed again, at a new epoch. A new instance
   * (no row yet, or one never renewed) starts with a lease that holds nothing.
   */
  public Map<String, Long> renew(String id, int ttlSeconds) {
    return sql.work("renew leases", c -> {
      int extended;
      try (PreparedStatement st = c.prepareStatement("""
          UPDATE fleet_instances SET lease_expires_at = now() + make_interval(secs => ?)
          WHERE instance_id = ? AND lease_expires_at > now()""")) {
        st.setInt(1, ttlSeconds);
        st.setString(2, id);
        extended = st.executeUpdate();
      }
      Map<String, Long> held = new LinkedHashMap<>();
      if (extended == 1) {
        try (PreparedStatement st = c.prepareStatement("SELECT user_id, epoch FROM account_leases WHERE owner = ? ORDER BY user_id")) {
          st.setString(1, id);
          try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) held.put(rs.getString(1), rs.getLong(2));
          }
        }
        return held;
      }
      // Expired or never taken: free what still names this instance, then take a fresh, empty lease.
      try (PreparedStatement free = c.prepareStatement("""
          UPDATE account_leases SET owner = NULL, offered = 0,
            expires_at = coalesce((SELECT lease_expires_at FROM fleet_instances WHERE instance_id = ?), now())
          WHERE owner = ?""");
          PreparedStatement fresh = c.prepareStatement(
              "UPDATE fleet_instances SET lease_expires_at = now() + make_interval(secs => ?) WHERE instance_id = ?")) {
        free.setString(1, id);
        free.setString(2, id);
        free.executeUpdate();
        fresh.setInt(1, ttlSeconds);
        fresh.setString(2, id);
        fresh.executeUpdate();
      }
      return held;
    });
  }

  /**
   * Instances whose heartbeat is younger than {@code ttlSeconds} that can decrypt at least half the
   * accounts' keys: one started with another master key takes no share, so the others' fair shares
   * cover what it cannot guard.
   */
  public int liveInstances(int ttlSeconds) {
    return sql.work("count fleet instances", c -> {
      try (PreparedStatement st = c.prepareStatement(
          """
          SELECT count(*) FROM fleet_instances WHERE heartbeat_at > now() - make_interval(secs => ?)
            AND undecryptable * 2 <= (SELECT count(*) FROM account_leases) AND unable IS NULL""")) {
        st.setInt(1, ttlSeconds);
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          return rs.getInt(1);
        }
      }
    });
  }

  /**
   * The fewest accounts any live instance holds, among those that can decrypt every key (the ones
   * that would take what is given back); -1 if there is none.
   */
  public int fewestHeld(int ttlSeconds) {
    return sql.work("count fleet shares", c -> {
      try (PreparedStatement st = c.prepareStatement("""
          SELECT coalesce(min(CASE WHEN i.lease_expires_at > now()
                                   THEN (SELECT count(*) FROM account_leases l WHERE l.owner = i.instance_id) ELSE 0 END), -1)
          FROM fleet_instances i WHERE i.heartbeat_at > now() - make_interval(secs => ?) AND i.undecryptable = 0
            AND i.unable IS NULL""")) {
        st.setInt(1, ttlSeconds);
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          return rs.getInt(1);
        }
      }
    });
  }

  /**
   * Live instances leaving through the same egress as an instance with {@code sourceIp} on
   * {@code host}, itself included: the same {@code --source-ip}, or none on the same host (the
   * host's default address). At least 1.
   */
  public int sameEgress(int ttlSeconds, String sourceIp, String host) {
    return sql.work("count instances on one egress", c -> {
      try (PreparedStatement st = c.prepareStatement("""
          SELECT count(*) FROM fleet_instances WHERE heartbeat_at > now() - make_interval(secs => ?)
            AND (source_ip = ? OR (source_ip IS NULL AND ?::text IS NULL AND host = ?))""")) {
        st.setInt(1, ttlSeconds);
        st.setString(2, sourceIp);
        st.setString(3, sourceIp);
        st.setString(4, host);
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          return Math.max(1, rs.getInt(1));
        }
      }
    });
  }

  /** All accounts with a lease row (users with an active key). */
  public int accounts() {
    return sql.work("count fleet accounts", c -> {
      try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM account_leases");
          ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    });
  }

  /**
   * Instances that stopped without a clean stop (a clean one deletes its row) within the last
   * {@code window}: their heartbeat older than the TTL but newer than the window. A restart is a new
   * instance id, so a member in a crash loop leaves one row per death, each of which held its share
   * unguarded for up to a TTL, too briefly for the unowned rule to see.
   */
  public int diedWithin(int ttlSeconds, Duration window) {
    return sql.work("count instances that died", c -> {
      try (PreparedStatement st = c.prepareStatement("""
          SELECT count(*) FROM fleet_instances WHERE heartbeat_at <= now() - make_interval(secs => ?)
            AND heartbeat_at > now() - make_interval(secs => ?)""")) {
        st.setInt(1, ttlSeconds);
        st.setLong(2, window.toSeconds());
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          return rs.getInt(1);
        }
      }
    });
  }

  /** Accounts nobody holds a live lease on. */
  public int unowned() {
    return sql.work("count unowned accounts", c -> {
      try (PreparedStatement st = c.prepareStatement(
          "SELECT count(*) FROM lease_status WHERE owner IS NULL OR expires_at IS NULL OR expires_at <= now()");
          ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    });
  }

  /**
   * Claims up to {@code max} accounts that nobody holds (never held, released, or whose owner's lease
   * expired), skipping rows another instance is claiming or acting on at this moment and those in
   * {@code avoid}; each claim raises the epoch. {@code freeForATtl}: only accounts free for at least
   * {@code ttlSeconds} (that no instance under its fair share took). {@code offers}: also accounts
   * their live owners offer with one of these kinds (a hand-off: the owner guards an offered
   * account until this claim, and its acts stop at once, since the epoch changed).
   */
  public Map<String, Long> claim(String id, int max, int ttlSeconds, Collection<String> avoid, boolean freeForATtl) {
    return claim(id, max, ttlSeconds, avoid, freeForATtl, List.of(), null);
  }

  /**
   * @param egress this instance's egress address ({@code --source-ip}), or null when unknown: an
   *     account whose key Bitget says is bound to other addresses is never claimed from it
   */
  public Map<String, Long> claim(String id, int max, int ttlSeconds, Collection<String> avoid, boolean freeForATtl,
      List<Integer> offers, String egress) {
    if (max <= 0) return Map.of();
    // The owner's instance is read by correlated sub-selects, not a join: when another claim commits
    // between this statement's snapshot and its row lock, PostgreSQL re-checks the locked row's newest
    // version, and re-runs a sub-select with its new owner, whereas a joined row stays the one first
    // read (no instance, for a free row), so both claims took the same account
    // (LeasesTest.twoInstancesClaimingAtTheSameMomentNeverBothGetAnAccount).
    boolean offeredOnly = !offers.isEmpty();
    return sql.work("claim leases", c -> {
      Map<String, Long> got = new LinkedHashMap<>();
      try (PreparedStatement st = c.prepareStatement("""
          UPDATE account_leases SET owner = ?, epoch = epoch + 1, offered = 0, expires_at = now()
          WHERE user_id IN (SELECT l.user_id FROM account_leases l
                            WHERE (CASE WHEN ? THEN l.owner <> ? AND l.offered = ANY (?)
                                                    AND (SELECT i.lease_expires_at FROM fleet_instances i
                                                         WHERE i.instance_id = l.owner) > now()
                                   ELSE l.owner IS NULL OR coalesce((SELECT i.lease_expires_at FROM fleet_instances i
                                                         WHERE i.instance_id = l.owner) <= now(), true) END)
                              AND (NOT ? OR (CASE WHEN l.owner IS NULL THEN l.expires_at ELSE (SELECT i.lease_expires_at
                                   FROM fleet_instances i WHERE i.instance_id = l.owner) END) IS NULL
                                   OR (CASE WHEN l.owner IS NULL THEN l.expires_at ELSE (SELECT i.lease_expires_at
                                       FROM fleet_instances i WHERE i.instance_id = l.owner) END)
                                      <= now() - make_interval(secs => ?))
                              AND NOT (l.user_id = ANY (?))
                              AND (?::text IS NULL OR NOT EXISTS (SELECT 1 FROM user_exchange_keys k
                                   WHERE k.user_id = l.user_id AND k.is_active = 1 AND k.bound_ips IS NOT NULL
                                     AND k.bound_ips <> '' AND NOT (?::text = ANY (string_to_array(k.bound_ips, ',')))))
                            ORDER BY l.user_id LIMIT ? FOR UPDATE OF l SKIP LOCKED)
          RETURNING user_id, epoch""")) {
        st.setString(1, id);
        st.setBoolean(2, offeredOnly);
        st.setString(3, id);
        st.setArray(4, c.createArrayOf("int2", offers.stream().map(Integer::shortValue).toArray()));
        st.setBoolean(5, freeForATtl);
        st.setInt(6, ttlSeconds);
        st.setArray(7, c.createArrayOf("text", avoid.toArray()));
        st.setString(8, egress);
        st.setString(9, egress);
        st.setInt(10, max);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) got.put(rs.getString(1), rs.getLong(2));
        }
      }
      return got;
    });
  }

  /**
   * What this instance offers now (user → kind, 1 to 3 as in the schema); every other account it
   * holds is offered no more. Written only when the offers change.
   */
  public void offer(String id, Map<String, Integer> offers) {
    sql.work("offer leases", c -> {
      try (PreparedStatement clear = c.prepareStatement(
              "UPDATE account_leases SET offered = 0 WHERE owner = ? AND offered <> 0 AND NOT (user_id = ANY (?))");
          PreparedStatement set = c.prepareStatement("UPDATE account_leases SET offered = ? WHERE owner = ? AND user_id = ?")) {
        clear.setString(1, id);
        clear.setArray(2, c.createArrayOf("text", offers.keySet().toArray()));
        clear.executeUpdate();
        for (Map.Entry<String, Integer> e : offers.entrySet()) {
          set.setInt(1, e.getValue());
          set.setString(2, id);
          set.setString(3, e.getKey());
          set.addBatch();
        }
        if (!offers.isEmpty()) set.executeBatch();
      }
      return null;
    });
  }

  /**
   * The live instances that can take accounts (heartbeat within the TTL, able, decrypting every
   * key), as balancing by positions sees them.
   */
  public List<PositionShare> positionShares(int ttlSeconds) {
    return sql.work("read the fleet's positions", c -> {
      List<PositionShare> out = new ArrayList<>();
      try (PreparedStatement st = c.prepareStatement("""
          SELECT instance_id, positioned, polled_positioned, websocket_room FROM fleet_instances
          WHERE heartbeat_at > now() - make_interval(secs => ?) AND undecryptable = 0 AND unable IS NULL""")) {
        st.setInt(1, ttlSeconds);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) out.add(new PositionShare(rs.getString(1), new Positions(rs.getInt(2), rs.getInt(3), rs.getInt(4))));
        }
      }
      return out;
    });
  }

  /**
   * Accounts nobody holds whose key is bound (as Bitget said) to addresses no live instance leaves
   * from: user → the addresses. They stay unowned until an instance with one of them joins.
   */
  public Map<String, String> unservable(int ttlSeconds) {
    return sql.work("find accounts no instance may serve", c -> {
      Map<String, String> out = new LinkedHashMap<>();
      try (PreparedStatement st = c.prepareStatement("""
          SELECT s.user_id, min(k.bound_ips) FROM lease_status s JOIN user_exchange_keys k ON k.user_id = s.user_id
          WHERE (s.owner IS NULL OR s.expires_at IS NULL OR s.expires_at <= now())
            AND k.is_active = 1 AND k.bound_ips IS NOT NULL AND k.bound_ips <> ''
            AND NOT EXISTS (SELECT 1 FROM fleet_instances i WHERE i.heartbeat_at > now() - make_interval(secs => ?)
                            AND i.source_ip = ANY (string_to_array(k.bound_ips, ',')))
          GROUP BY s.user_id ORDER BY s.user_id""")) {
        st.setInt(1, ttlSeconds);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) out.put(rs.getString(1), rs.getString(2));
        }
      }
      return out;
    });
  }

  /** One live instance's positions, from its last heartbeat. */
  public record PositionShare(String instanceId, Positions positions) {}

  /** Gives accounts back (rebalancing): another instance claims them on its next round. */
  public void release(String id, List<String> userIds) {
    if (userIds.isEmpty()) return;
    sql.work("release leases", c -> {
      try (PreparedStatement st = c.prepareStatement(
          "UPDATE account_leases SET owner = NULL, offered = 0, expires_at = now() WHERE owner = ? AND user_id = ?")) {
        for (String u : userIds) {
          st.setString(1, id);
          st.setString(2, u);
          st.addBatch();
        }
        st.executeBatch();
      }
      return null;
    });
  }

  /**
   * The fencing check, made where a restore records its intent (call inside {@link Store#inTransaction}):
   * true only if this instance still holds the account at this epoch with at least {@code marginSeconds}
   * left. An offer of the account ends here too, so no instance can claim it while this one acts on
   * it (its owner offers it again once its send window is over); the row stays locked until the
   * transaction ends.
   */
  public boolean stillHeld(String userId, String id, long epoch, int marginSeconds) {
    return sql.work("check a lease", c -> {
      try (PreparedStatement st = c.prepareStatement("""
          UPDATE account_leases l SET offered = 0 FROM fleet_instances i
          WHERE i.instance_id = l.owner AND l.user_id = ? AND l.owner = ? AND l.epoch = ?
            AND i.lease_expires_at > now() + make_interval(secs => ?) RETURNING 1""")) {
        st.setString(1, userId);
        st.setString(2, id);
        st.setLong(3, epoch);
        st.setInt(4, marginSeconds);
        try (ResultSet rs = st.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  /**
   * Takes or renews the fleet-wide lock {@code name} for {@code ttlSeconds} (the database's clock):
   * true if {@code id} holds it now. A holder that stops renewing loses it when it expires, however
   * long its session stays open.
   */
  public boolean holdLock(String name, String id, int ttlSeconds) {
    return sql.work("take the lock '" + name + "'", c -> {
      try (PreparedStatement st = c.prepareStatement("""
          INSERT INTO fleet_locks (name, owner, expires_at) VALUES (?, ?, now() + make_interval(secs => ?))
          ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
            WHERE fleet_locks.owner = excluded.owner OR fleet_locks.expires_at <= now()
          RETURNING owner""")) {
        st.setString(1, name);
        st.setString(2, id);
        st.setInt(3, ttlSeconds);
        try (ResultSet rs = st.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  /** Milliseconds until the lock {@code name} expires on the database's clock (0 or less: free or expired; none: -1). */
  public long lockExpiresInMs(String name) {
    return sql.work("read the lock '" + name + "'", c -> {
      try (PreparedStatement st = c.prepareStatement(
          "SELECT CAST(EXTRACT(EPOCH FROM (expires_at - now())) * 1000 AS BIGINT) FROM fleet_locks WHERE name = ?")) {
        st.setString(1, name);
        try (ResultSet rs = st.executeQuery()) {
          return rs.next() ? rs.getLong(1) : -1L;
        }
      }
    });
  }

  /** Gives the lock {@code name} up if {@code id} holds it. */
  public void releaseLock(String name, String id) {
    sql.work("release the lock '" + name + "'", c -> {
      try (PreparedStatement st = c.prepareStatement("DELETE FROM fleet_locks WHERE name = ? AND owner = ?")) {
        st.setString(1, name);
        st.setString(2, id);
        st.executeUpdate();
      }
      return null;
    });
  }

  /**
   * Whether {@code id} still holds the account at {@code epoch} (unexpired), without locking the row:
   * asked where a look records its verdicts, so that a renewal never waits behind a look.
   */
  public boolean holds(String userId, String id, long epoch) {
    return sql.work("check a lease", c -> {
      try (PreparedStatement st = c.prepareStatement(
          "SELECT 1 FROM lease_status WHERE user_id = ? AND owner = ? AND epoch = ? AND expires_at > now()")) {
        st.setString(1, userId);
        st.setString(2, id);
        st.setLong(3, epoch);
        try (ResultSet rs = st.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  public List<Instance> instances(int ttlSeconds) {
    return sql.work("read fleet instances", c -> {
      List<Instance> out = new ArrayList<>();
      try (PreparedStatement st = c.prepareStatement("""
          SELECT i.instance_id, i.host, i.source_ip, i.listen, i.started_at, i.heartbeat_at, i.websockets,
                 i.heartbeat_at > now() - make_interval(secs => ?),
                 (SELECT count(*) FROM account_leases l WHERE l.owner = i.instance_id AND i.lease_expires_at > now()),
                 i.requests_per_minute, i.request_budget, i.accounts, i.undecryptable, i.held_not_guarded, i.unable, i.version
          FROM fleet_instances i ORDER BY i.started_at, i.instance_id""")) {
        st.setInt(1, ttlSeconds);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            out.add(new Instance(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getTimestamp(5).toInstant(), rs.getTimestamp(6).toInstant(), rs.getInt(9), rs.getInt(12), rs.getInt(13),
                rs.getInt(14), rs.getString(15), rs.getInt(7), rs.getInt(10), rs.getInt(11), rs.getBoolean(8), rs.getString(16)));
          }
        }
      }
      return out;
    });
  }

  public List<Lease> leases() {
    return sql.work("read leases", c -> {
      List<Lease> out = new ArrayList<>();
      try (PreparedStatement st = c.prepareStatement("""
          SELECT user_id, owner, epoch, expires_at, owner IS NOT NULL AND expires_at > now()
          FROM lease_status ORDER BY user_id""");
          ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          Timestamp t = rs.getTimestamp(4);
          out.add(new Lease(rs.getString(1), rs.getString(2), rs.getLong(3), t == null ? null : t.toInstant(), rs.getBoolean(5)));
        }
      }
      return out;
    });
  }
}
