package io.stopguard.watch;

import io.stopguard.alert.Alerting;
import io.stopguard.bitget.IpBudget;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.guard.FleetMember;
import io.stopguard.guard.HomeDelivery;
import io.stopguard.guard.OneOffMarker;
import io.stopguard.guard.ShardLease;
import io.stopguard.guard.Timebase;
import io.stopguard.guard.WatchHealth;
import io.stopguard.guard.WatchLock;
import io.stopguard.guard.WatchSettings;
import io.stopguard.guard.Watcher;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.status.Auth;
import io.stopguard.status.EquityCache;
import io.stopguard.status.FleetRows;
import io.stopguard.status.Health;
import io.stopguard.status.Labels;
import io.stopguard.status.StatusModel;
import io.stopguard.status.StatusPage;
import io.stopguard.status.StatusServer;
import io.stopguard.store.Store;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything {@code stopguard watch} runs, in one place: what it is made of, the order it starts in,
 * the reverse order it stops in, and every timer of the process on one {@link Timebase} (OkHttp's
 * TaskRunner at the root: {@code Timebase.system()} in production, a test's hand-moved time in tests).
 *
 * <p>Parts, in start order (each gets its own {@link Timebase#part} of the time, ended when it closes):
 * <ol>
 *   <li>the fleet member (PostgreSQL without {@code --shard}): lease rounds, self-fence, balancing; it
 *       announces itself here, first, and claims nothing until its rounds start;
 *   <li>the shard lease (a {@code --shard} watcher on PostgreSQL), or the home's delivery lock (SQLite shards);
 *   <li>the watcher: WebSockets, looks, restores, key refresh, alert delivery;
 *   <li>the status page: its model, equity fetches, live-update ticks, and the server (/, /metrics, /health);
 *   <li>the fleet's rows for other instances' pages, and the fleet metrics (every 5 s);
 *   <li>then the fleet member's and shard lease's rounds start, then the watcher's looks;
 *   <li>last, the one-off commands' share of the IP budget (every 500 ms).
 * </ol>
 * {@link #close} stops them in reverse: nothing new is looked at, the fleet leaves (its accounts are
 * taken over at once), the page goes, the leases and locks end, the store closes, the timer threads end.
 */
public final class WatchProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchProcess.class);

  /** What the page serves and how. */
  public record Serving(InetSocketAddress listen, Auth auth, SSLContext tls, String language) {}

  /** Joining a fleet (a PostgreSQL store without {@code --shard}): who this instance is. */
  public record Fleet(String instanceId, String host, String sourceIp, int leaseTtlSeconds, int requestsPerMinute) {}

  /**
   * What the command line decided. {@code fleet} is null outside a fleet; {@code leaseTtlSeconds} is
   * also a {@code --shard} watcher's lease on PostgreSQL.
   */
  public record Config(Path home, Store store, WatchLock lock, StopLossCheck check, CheckService service, Policy policy,
      Alerting alerting, StopguardMetrics metrics, WatchSettings settings, URI webSocketUrl, IpBudget budget,
      Serving serving, Fleet fleet, String instanceId, int leaseTtlSeconds, Runnable shardTakenByAnother) {}

  /** Refused to start (another watcher has this shard): nothing was left running. */
  public static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  private final Timebase time;
  /** What has started, the latest on top: {@link #close} stops it in reverse, and so does a start that fails half-way. */
  private final Deque<AutoCloseable> stopOrder = new ArrayDeque<>();
  // set once by build(), before start() hands the process out
  private Watcher watcher;
  private FleetMember fleetMember;
  /** What a member announced before the watcher exists reports: nothing guarded, nothing to balance. */
  private static final FleetMember.Guarding NOT_BUILT = new FleetMember.Guarding(Set.of(), Set.of(), 0);
  private StatusServer server;

  private WatchProcess(Config c, Timebase time) {
    this.time = time;
    stopOrder.push(time::close); // the timer threads end last
    stopOrder.push(c.lock());
    stopOrder.push(c.store());
  }

  private void build(Config c) {
    Store store = c.store();
    WatchSettings s = c.settings();
    FleetMember member = null;
    if (c.fleet() != null) {
      // First of all: the member announces itself before the watcher is built (keys, clients), so
      // instances started together see each other by the time each is ready to claim its share.
      Fleet f = c.fleet();
      InetSocketAddress listen = c.serving().listen();
      member = new FleetMember(store, f.instanceId(), f.host(), f.sourceIp(), listen.getHostString() + ":" + listen.getPort(),
          f.leaseTtlSeconds(), () -> watcher == null ? 0 : watcher.webSocketCount(), c.budget()::requestsSent,
          f.requestsPerMinute(), () -> watcher == null ? NOT_BUILT : watcher.guarding(), time.part("fleet"));
      fleetMember = member;
      member.onEgressShare(c.budget()::shareWith); // Bitget's limits are per IP: instances on one egress split them
      member.announce();
    }
    ShardLease shardLease = null;
    if (c.fleet() == null && store.database().isPostgres()) {
      shardLease = ShardLease.take(store, s.shard(), s.shards(), c.instanceId(), c.leaseTtlSeconds(),
          c.shardTakenByAnother(), time.part("shard-lease"));
      if (shardLease == null) {
        throw new Refused("another stopguard watch is running shard " + s.shard() + "/" + s.shards() + " against "
            + store.where() + " (perhaps on another host): run one watcher per shard (--shard i/n) on a shared database");
      }
      stopOrder.push(shardLease); // its lease ends at once: a watcher elsewhere may take the shard
    }
    HomeDelivery homeDelivery = !store.database().isPostgres() && s.shards() > 1
        ? new HomeDelivery(s.shard(), s.shards(), c.home()) : null;
    if (homeDelivery != null) stopOrder.push(homeDelivery); // another shard delivers from its next tick

    watcher = Watcher.builder(store, c.check(), c.service()).policy(c.policy()).alerting(c.alerting()).metrics(c.metrics())
        .settings(s).webSocket(c.webSocketUrl()).time(time.part("watcher")).build();
    if (shardLease != null) watcher.ownedBy(shardLease);
    if (homeDelivery != null) watcher.ownedBy(homeDelivery); // SQLite shards in one home: one delivers
    if (member != null) watcher.ownedBy(member);

    EquityCache equity = new EquityCache(watcher::client, time.part("status-equity"));
    stopOrder.push(equity);
    String instance = member == null ? c.fleet() == null ? hostName() : c.fleet().host() : member.id();
    StatusModel model = new StatusModel(watcher::snapshot, this::summary, store, equity, time.clock(), instance)
        .withShownAccounts(equity::want);
    if (member != null) { // any instance's page shows the whole fleet: publish ours, read the others'
      FleetRows rows = new FleetRows(store, member.id(), time.clock());
      model.withOthers(rows.others());
      Timebase fleetStatus = time.part("fleet-status");
      fleetStatus.scheduler().scheduleWithFixedDelay(() -> rows.publish(watcher.snapshot(), model::rowsOf), 2, 5, TimeUnit.SECONDS);
      FleetMember m = member;
      fleetStatus.scheduler().scheduleWithFixedDelay(() -> recordFleet(c.metrics(), m), 1, 5, TimeUnit.SECONDS);
      stopOrder.push(fleetStatus::close);
    }
    StatusPage statusPage = new StatusPage(model, new Labels(c.serving().language()), c.serving().auth(),
        time.part("status-events"));
    stopOrder.push(statusPage);
    server = new StatusServer(c.serving().listen(), c.metrics().registry(), () -> Health.of(summary(), watcher.health()),
        statusPage.handlers(), c.serving().auth(), c.serving().tls());
    stopOrder.push(server);
    if (member != null) stopOrder.push(member); // leases end now: the others take over at once
    stopOrder.push(watcher);

    if (member != null) member.start(watcher::ownershipChanged);
    if (shardLease != null) shardLease.start(watcher::ownershipChanged);
    watcher.start();
    Timebase oneOff = time.part("one-off-yield");
    // Twice a second: while a one-off command runs in this home (and so, most likely, from this IP),
    // give it its share of the IP budget; the watcher's sweeps take the whole budget otherwise.
    oneOff.scheduler().scheduleWithFixedDelay(() -> c.budget().yieldPerMinute(
        OneOffMarker.anyHeld(c.home()) ? WatchSettings.ONE_OFF_SHARE_PER_MINUTE : 0), 0, 500, TimeUnit.MILLISECONDS);
    stopOrder.push(oneOff::close);
  }

  /**
   * Builds and starts everything on {@code time}, which it owns from here on. On a failure, whatever
   * had started is stopped again, the store and the lock included.
   */
  public static WatchProcess start(Config config, Timebase time) {
    WatchProcess p = new WatchProcess(config, time);
    try {
      p.build(config);
      return p;
    } catch (RuntimeException e) {
      // A port in use, a shard taken: a watcher or fleet member already built but not yet on the stop
      // order goes first (the member's lease connection with it), then whatever had started, in reverse.
      for (AutoCloseable built : new AutoCloseable[] {p.watcher, p.fleetMember}) {
        if (built != null && !p.stopOrder.contains(built)) closeQuietly(built);
      }
      p.close();
      throw e;
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.warn("while giving up starting: {}", e.toString());
    }
  }

  /** The watcher's figures, with the fleet member's share and reasons when in a fleet. */
  public WatchHealth summary() {
    WatchHealth w = watcher.summary();
    return fleetMember == null ? w : w.withFleet(fleetMember.health(), fleetMember.degradedBecause());
  }

  public Watcher watcher() {
    return watcher;
  }

  /** This instance in the fleet, or null outside one. */
  public FleetMember fleetMember() {
    return fleetMember;
  }

  public int port() {
    return server.port();
  }

  private static void recordFleet(StopguardMetrics metrics, FleetMember m) {
    metrics.recordFleet(m.owned(), m.unownedAccounts(), m.ownedNotGuarded(), m.fenced(), m.diedRecently());
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "host";
    }
  }

  /** Stops every part in the reverse of the order it started, each whatever the others do; the timer threads last. */
  @Override
  public synchronized void close() {
    while (!stopOrder.isEmpty()) {
      AutoCloseable part = stopOrder.pop();
      try {
        part.close();
      } catch (Exception e) {
        log.warn("while stopping: {}", e.toString());
      }
    }
  }
}
