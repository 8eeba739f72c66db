package io.stopguard.cli;

import io.stopguard.bitget.BitgetWebSocket;
import io.stopguard.sim.SimServer;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.stopguard.alert.Alerting;
import io.stopguard.bitget.IpBudget;
import io.stopguard.check.CheckService;
import io.stopguard.guard.HomeDelivery;
import io.stopguard.guard.OneOffMarker;
import io.stopguard.guard.ShardLease;
import io.stopguard.guard.StatusServer;
import io.stopguard.guard.FleetMember;
import io.stopguard.guard.WatchLock;
import io.stopguard.guard.WatchSettings;
import io.stopguard.guard.Timebase;
import io.stopguard.guard.Watcher;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.probe.ProbeRecord;
import io.stopguard.status.Auth;
import io.stopguard.status.EquityCache;
import io.stopguard.status.FleetRows;
import io.stopguard.status.Labels;
import io.stopguard.status.StatusModel;
import io.stopguard.status.StatusPage;
import io.stopguard.status.Tls;
import io.stopguard.store.Store;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "watch",
    header = "Guard every account continuously: WebSocket-driven, idempotent automatic restore.",
    mixinStandardHelpOptions = true,
    description = {
        "Guard every active account continuously, in one process.",
        "",
        "Per account, Bitget's private WebSocket (positions, orders-algo) triggers",
        "an immediate re-evaluation over REST (2 calls); a reconcile every",
        "--interval catches what pushes miss, and runs at once after any blind",
        "WebSocket period. Keys added or deactivated are picked up on the fly.",
        "Unprotected positions become incidents, alerts and the risk flag.",
        "",
        "--restore off: alert only; dry-run: alert with the exact order; on: after",
        "--grace (so a bot re-placing its own stop is not raced) place a stop with",
        "a deterministic clientOid, look before any retry, never a second",
        "pos_loss, confirm it, and record every step.",
        "",
        "Bitget's limits are per IP: 6000 REST requests a minute (a sweep of",
        "10,000 accounts takes >= 200 s) and 100 private WebSockets. Up to",
        "--ws-connections accounts get a WebSocket, the rest are polled; split",
        "large fleets with --shard i/n over watchers on separate egress IPs.",
        "",
        "Serves the status page (/), /metrics and /health on --listen (127.0.0.1 only by default;",
        "elsewhere only with --auth-token-file): every position, its stop and its risk, live.",
        "Stops cleanly on SIGTERM; a restart resumes open incidents.",
    })
final class WatchCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Mixin
  ExchangeOptions exchange;

  @Option(names = "--restore", paramLabel = "off|dry-run|on", defaultValue = "dry-run",
      description = "Automatic restore (default: ${DEFAULT-VALUE}).")
  String restore;

  @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "3",
      description = "Wait this long before restoring (default: ${DEFAULT-VALUE}).")
  double graceSeconds;

  @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "30",
      description = "Periodic reconcile per account (default: ${DEFAULT-VALUE}).")
  double intervalSeconds;

  @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9464",
      description = "Where /metrics and /health are served (default: ${DEFAULT-VALUE}; port 0 picks one).")
  String listen;

  @Option(names = "--no-websocket", description = "Poll only (reconcile every --interval); no WebSocket.")
  boolean noWebSocket;

  @Option(names = "--lease-ttl", paramLabel = "SECONDS", defaultValue = "15",
      description = {"PostgreSQL store: how long a lease lasts unrenewed (a fleet instance's accounts, a --shard",
          "watcher's shard); a dead instance's accounts are taken over after about this plus the grace (default: ${DEFAULT-VALUE})."})
  int leaseTtlSeconds;

  @Option(names = "--source-ip", paramLabel = "ADDR",
      description = {"Local address every REST and WebSocket connection leaves from: one egress IP of this host",
          "(Bitget's limits are per IP). Default: $STOPGUARD_SOURCE_IP, else the system's choice."})
  String sourceIp;

  @Option(names = "--shard", paramLabel = "I/N",
      description = "Watch only the accounts of shard I of N (0 <= I < N), by a stable hash of the user id.")
  String shard;

  @Option(names = "--ws-connections", paramLabel = "N", defaultValue = "90",
      description = "Private WebSockets at most (Bitget: 100 per IP; default: ${DEFAULT-VALUE}). Other accounts are polled.")
  int wsConnections;

  @Option(names = "--ip-requests-per-minute", paramLabel = "N", defaultValue = "" + WatchSettings.DEFAULT_IP_REQUESTS_PER_MINUTE,
      description = {"REST requests a minute for all accounts (Bitget: 6000 per IP; default: ${DEFAULT-VALUE}, 95 %%).",
          "Sweeps use whatever pushes and restores leave; while a one-off command (a nightly check) runs",
          "in this home, the watcher gives it 600 of them."})
  int ipRequestsPerMinute;

  @Option(names = "--auth-token-file", paramLabel = "FILE",
      description = {"A token (first line, >= 16 characters) every request to the status server needs: the page, /events,",
          "/metrics and /health (Authorization: Bearer, or the page's login form). Required when --listen is not",
          "127.0.0.1. Default: $STOPGUARD_AUTH_TOKEN_FILE."})
  String authTokenFile;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = {"Serve the status server over HTTPS with this PEM certificate chain (leaf first), with --tls-key.",
          "Beyond 127.0.0.1 without it, the token crosses the network in clear: use it, or a TLS reverse proxy",
          "(docs/SECURITY.md). Default: $STOPGUARD_TLS_CERT."})
  String tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "The certificate's unencrypted PEM private key (owner-only). Default: $STOPGUARD_TLS_KEY.")
  String tlsKey;

  @Option(names = "--ws-url", paramLabel = "URL",
      description = "Private WebSocket URL. Default: $STOPGUARD_BITGET_WS_URL, else derived from the REST base URL.")
  String wsUrl;

  WatchCommand(Cli cli) {
    this.cli = cli;
  }

  /**
   * The guard is a service: what it does (restores, accounts picked up, WebSockets moved) is logged
   * at INFO, unlike one-off commands whose stderr carries warnings only. STOPGUARD_LOG_LEVEL
   * (e.g. DEBUG) overrides.
   */
  static void logAt(String level) {
    Level l = level == null ? Level.INFO
        : Level.toLevel(level, null);
    if (l == null) throw new UsageException("STOPGUARD_LOG_LEVEL must be ERROR, WARN, INFO, DEBUG or TRACE (got '" + level + "')");
    if (LoggerFactory.getLogger("io.stopguard") instanceof Logger lb) lb.setLevel(l);
  }

  /** The status server's TLS from --tls-cert/--tls-key (both or neither), or null for plain HTTP. */
  private SSLContext tls() {
    String cert = tlsCert != null ? tlsCert : cli.env("STOPGUARD_TLS_CERT");
    String key = tlsKey != null ? tlsKey : cli.env("STOPGUARD_TLS_KEY");
    if (cert == null && key == null) return null;
    if (cert == null || key == null) {
      throw new UsageException("--tls-cert and --tls-key go together (the certificate chain and its private key, PEM)");
    }
    HomeOptions.ownerOnly(cli, Path.of(key));
    try {
      return Tls.fromPem(Path.of(cert), Path.of(key));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--tls-cert/--tls-key: " + e.getMessage());
    }
  }

  /** "i/n" → {i, n}; none → {0, 1}. */
  static int[] parseShard(String s) {
    if (s == null) return new int[] {0, 1};
    String[] p = s.split("/");
    try {
      if (p.length == 2) {
        int i = Integer.parseInt(p[0].trim());
        int n = Integer.parseInt(p[1].trim());
        if (n >= 1 && i >= 0 && i < n) return new int[] {i, n};
      }
    } catch (NumberFormatException e) {
      // fall through to the usage error
    }
    throw new UsageException("--shard must be I/N with 0 <= I < N, e.g. 0/4 (got '" + s + "')");
  }

  @Override
  public Integer call() throws InterruptedException {
    logAt(cli.env("STOPGUARD_LOG_LEVEL"));
    WatchSettings.Restore mode = WatchSettings.Restore.parse(restore);
    // Written so that NaN fails too (every comparison with NaN is false).
    if (!(graceSeconds >= 0 && graceSeconds <= 3600)) throw new UsageException("--grace must be 0..3600 seconds");
    if (!(intervalSeconds >= 0.1 && intervalSeconds <= 3600)) throw new UsageException("--interval must be 0.1..3600 seconds");
    InetSocketAddress address = parseListen(listen);
    String tokenFile = authTokenFile != null ? authTokenFile : cli.env("STOPGUARD_AUTH_TOKEN_FILE");
    if (tokenFile != null) HomeOptions.ownerOnly(cli, Path.of(tokenFile));
    SSLContext tls = tls();
    Auth auth;
    try {
      auth = tokenFile == null ? null : Auth.fromFile(Path.of(tokenFile));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--auth-token-file: " + e.getMessage());
    }
    if (auth == null && !address.getAddress().isLoopbackAddress()) {
      throw new UsageException("--listen " + listen + " is reachable from other hosts, and the status page shows every position:"
          + " give a token with --auth-token-file FILE (or STOPGUARD_AUTH_TOKEN_FILE), or listen on 127.0.0.1");
    }
    if (tls == null && !address.getAddress().isLoopbackAddress()) {
      cli.err().println("stopguard watch: warning: --listen " + listen + " serves plain HTTP: the token and the session cookie"
          + " cross the network in clear. Give --tls-cert and --tls-key, or put a TLS reverse proxy in front (docs/SECURITY.md)");
    }
    var config = home.config(cli);
    URI base = exchange.baseUrl(cli);
    URI ws = webSocketUrl(base, wsUrl != null ? wsUrl : cli.env("STOPGUARD_BITGET_WS_URL"));
    if (wsConnections < 0 || wsConnections > IpBudget.PUBLISHED_MAX_CONNECTIONS) {
      throw new UsageException("--ws-connections must be 0.." + IpBudget.PUBLISHED_MAX_CONNECTIONS + " (Bitget's limit per IP)");
    }
    if (ipRequestsPerMinute < 60 || ipRequestsPerMinute > IpBudget.PUBLISHED_REQUESTS_PER_MINUTE) {
      throw new UsageException("--ip-requests-per-minute must be 60.." + IpBudget.PUBLISHED_REQUESTS_PER_MINUTE
          + " (Bitget's limit per IP)");
    }
    if (leaseTtlSeconds < 3 || leaseTtlSeconds > 600) throw new UsageException("--lease-ttl must be 3..600 seconds");
    int[] sh = parseShard(shard);
    exchange.forWatcher();
    if (mode == WatchSettings.Restore.ON && !ProbeRecord.anyFor(home.home(cli), base)) {
      // Once, at start: restores rest on behaviours the simulator can only guess (bitget-sim/FIDELITY.md).
      cli.err().println("stopguard watch: warning: no probe result for " + base.getHost() + " in " + home.home(cli).resolve("probes")
          + ": run `stopguard probe --user ID` once with a demo key to check stopguard's assumptions (docs/PROBE.md)");
    }
    WatchSettings settings = new WatchSettings(mode, Duration.ofMillis((long) (graceSeconds * 1000)),
        Duration.ofMillis((long) (intervalSeconds * 1000)), Duration.ofSeconds(10), !noWebSocket && wsConnections > 0, 64, 3,
        sh[0], sh[1]);
    IpBudget budget = IpBudget.of(ipRequestsPerMinute / 60.0, wsConnections, IpBudget.PUBLISHED_CONNECTS_PER_5_MIN);
    // A fleet (PostgreSQL, no --shard) splits accounts by lease: instances in one home may each leave
    // from an address of their own. Anything else, or the same address twice, is one watcher per home.
    String lockEgress = home.db(cli).isPostgres() && shard == null ? egressSpec() : null;
    WatchLock lock = WatchLock.tryAcquire(home.home(cli), sh[0], sh[1], lockEgress);
    if (lock == null) {
      throw new UsageException("another stopguard watch is running shard " + sh[0] + "/" + sh[1] + " of "
          + home.home(cli) + (lockEgress == null ? "" : " from " + lockEgress) + "; a second one would double the requests"
          + " from this IP" + (home.db(cli).isPostgres() && shard == null ? " (give each instance its own --source-ip)" : ""));
    }
    Alerting alerting = Alerting.from(cli.env(), config);
    if (!alerting.telegramEnabled()) alerting = alerting.withConsole(cli.err());
    StopguardMetrics metrics = new StopguardMetrics();
    Store store = home.openStore(cli);
    store.lockWait(Duration.ofSeconds(2)); // the guard never queues long behind another process's lock
    // A PostgreSQL store without --shard: join the fleet (leases, takeover). With --shard on
    // PostgreSQL: a static shard, one watcher each across hosts, held by a lease row (ShardLease).
    // On SQLite the home's lock file above is the whole story: the file lives on one host.
    boolean fleet = store.database().isPostgres() && shard == null;
    if (store.database().isPostgres()) {
      // A host with another master key than the shared store's would hold accounts it cannot open:
      // it refuses to start (exit 3, both key identifiers), before it claims anything.
      try {
        store.keys().checkMasterKey();
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    }
    ShardLease shardLease = null;
    if (!fleet && store.database().isPostgres()) {
      try {
        shardLease = ShardLease.take(store, sh[0], sh[1], instanceId(), leaseTtlSeconds,
            () -> Runtime.getRuntime().exit(ExitCodes.INCOMPLETE));
      } catch (RuntimeException e) {
        store.close();
        lock.close();
        throw e;
      }
      if (shardLease == null) {
        store.close();
        lock.close();
        throw new UsageException("another stopguard watch is running shard " + sh[0] + "/" + sh[1] + " against "
            + store.where() + " (perhaps on another host): run one watcher per shard (--shard i/n) on a shared database");
      }
    }
    CheckService service = Services.checkService(cli, home, exchange, store, config, alerting, metrics);
    InetAddress egress = sourceAddress();
    Watcher watcher = new Watcher(store, exchange.check(cli, config.riskPolicy(), budget, egress), service, config.riskPolicy(),
        alerting, metrics, settings, ws, Timebase.system());
    FleetMember member = null;
    if (shardLease != null) watcher.ownedBy(shardLease);
    HomeDelivery homeDelivery = !store.database().isPostgres() && sh[1] > 1
        ? new HomeDelivery(sh[0], sh[1], home.home(cli)) : null;
    if (homeDelivery != null) watcher.ownedBy(homeDelivery); // SQLite shards in one home: one delivers
    if (fleet) {
      String host = hostName();
      member = new FleetMember(store, instanceId(), host, egress == null ? null : egress.getHostAddress(),
          address.getHostString() + ":" + address.getPort(), leaseTtlSeconds, watcher::webSocketCount, budget::requestsSent,
          ipRequestsPerMinute, watcher::guarding);
      member.onEgressShare(budget::shareWith); // Bitget's limits are per IP: instances on one egress split them
      watcher.ownedBy(member);
    }
    FleetMember fleetMember = member;
    Supplier<Map<String, Object>> summary = fleetMember == null ? watcher::summary : () -> {
      Map<String, Object> m = new LinkedHashMap<>(watcher.summary());
      m.put("fleet", fleetMember.health());
      List<Object> why = new ArrayList<>(fleetMember.degradedBecause());
      if (m.get(StatusServer.DEGRADED_BECAUSE) instanceof List<?> l) why.addAll(l);
      m.put(StatusServer.DEGRADED_BECAUSE, why);
      recordFleet(metrics, fleetMember);
      return m;
    };
    EquityCache equity = new EquityCache(watcher::client);
    StatusModel model = new StatusModel(watcher::snapshot, summary, store, equity,
        Clock.systemUTC(), fleetMember == null ? hostName() : fleetMember.health().getOrDefault("instance", hostName()).toString())
        .withShownAccounts(equity::want);
    ScheduledExecutorService publisher = null;
    if (fleetMember != null) { // any instance's page shows the whole fleet: publish ours, read the others'
      FleetRows fleetRows = new FleetRows(store, fleetMember.health().get("instance").toString(),
          Clock.systemUTC());
      model.withOthers(fleetRows.others());
      // two threads: the rows' publish writes the store, and a stalled store must not stall the fleet metrics
      publisher = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "fleet-status");
        t.setDaemon(true);
        return t;
      });
      publisher.scheduleWithFixedDelay(() -> fleetRows.publish(watcher.snapshot(), model::rowsOf), 2, 5,
          TimeUnit.SECONDS);
      publisher.scheduleWithFixedDelay(() -> recordFleet(metrics, fleetMember), 1, 5, TimeUnit.SECONDS);
    }
    ScheduledExecutorService statusPublisher = publisher;
    StatusPage page = new StatusPage(model,
        new Labels(config.statusLanguage()), auth); // the page's own language (English by default)
    StatusServer status = new StatusServer(address, metrics.registry(), watcher::health, summary, page.handlers(), auth, tls);
    ShardLease shardStopper = shardLease;
    HomeDelivery deliveryLock = homeDelivery;
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      cli.err().println("stopguard watch: stopping");
      watcher.close();
      if (fleetMember != null) fleetMember.close(); // leases end now: the others take over at once
      status.close();
      page.close();
      if (statusPublisher != null) statusPublisher.shutdownNow();
      equity.close();
      if (shardStopper != null) shardStopper.close(); // its leases end now: a watcher elsewhere may take the shard at once
      if (deliveryLock != null) deliveryLock.close(); // another shard delivers from its next tick
      store.close();
      lock.close();
      stopped.countDown();
    }, "watch-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    if (fleetMember != null) {
      fleetMember.start(watcher::ownershipChanged);
    }
    if (shardLease != null) shardLease.start(watcher::ownershipChanged);
    watcher.start();
    yieldToOneOffCommands(home.home(cli), budget);
    if (fleetMember != null) {
      cli.err().println("stopguard watch: fleet instance " + fleetMember.id() + " on " + store.where() + ", lease TTL "
          + leaseTtlSeconds + " s" + (egress == null ? "" : ", source IP " + egress.getHostAddress()));
    }
    if (watcher.accountCount() == 0 && fleetMember == null) {
      cli.err().println("stopguard watch: warning: no active Bitget key in " + store.where() + (shard == null ? "" : " for this shard")
          + ": nothing is guarded until one is added (stopguard keys add); /health says so too");
    }
    cli.err().println("stopguard watch: " + watcher.accountCount() + " account(s), restore " + restore + ", REST " + base
        + (noWebSocket ? ", polling only" : ", WebSocket " + ws) + "; " + (tls == null ? "http" : "https") + "://" + address.getHostString() + ":" + status.port()
        + "/metrics and /health");
    stopped.await();
    return ExitCodes.OK;
  }

  /** This process among the watchers sharing a database: host, pid and a random part (a restart is a new instance). */
  private static String instanceId() {
    String host = hostName();
    return host + "-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime() & 0xffffff, 36);
  }

  private static void recordFleet(StopguardMetrics metrics, FleetMember m) {
    metrics.recordFleet(m.owned(), m.unownedAccounts(), m.ownedNotGuarded(), m.fenced(), m.diedRecently());
  }

  /**
   * Twice a second: while a one-off command runs in this home (and so, most likely, from this IP),
   * give it its share of the IP budget; the watcher's sweeps take the whole budget otherwise.
   */
  private static void yieldToOneOffCommands(Path home, IpBudget budget) {
    Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "one-off-yield");
      t.setDaemon(true);
      return t;
    }).scheduleWithFixedDelay(() -> {
      try { // a scheduled task that throws is never run again: never let it
        budget.yieldPerMinute(OneOffMarker.anyHeld(home) ? WatchSettings.ONE_OFF_SHARE_PER_MINUTE : 0);
      } catch (RuntimeException e) {
        LoggerFactory.getLogger(WatchCommand.class).warn("one-off commands' share not updated: {}", e.toString());
      }
    }, 0, 500, TimeUnit.MILLISECONDS);
  }

  /** The egress address asked for (--source-ip or STOPGUARD_SOURCE_IP), trimmed, or null. */
  private String egressSpec() {
    String s = sourceIp != null ? sourceIp : cli.env("STOPGUARD_SOURCE_IP");
    return s == null || s.isBlank() ? null : s.trim();
  }

  private InetAddress sourceAddress() {
    String s = sourceIp != null ? sourceIp : cli.env("STOPGUARD_SOURCE_IP");
    if (s == null || s.isBlank()) return null;
    try {
      InetAddress a = InetAddress.getByName(s.trim());
      try (Socket probe = new Socket()) {
        probe.bind(new InetSocketAddress(a, 0)); // an address this host does not have fails here, not at the first request
      }
      return a;
    } catch (IOException e) {
      throw new UsageException("--source-ip " + s + " is not an address of this host: " + e.getMessage());
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "host";
    }
  }

  static InetSocketAddress parseListen(String s) {
    int i = s.lastIndexOf(':');
    if (i <= 0) throw new UsageException("--listen must be HOST:PORT, e.g. 127.0.0.1:9464");
    try {
      int port = Integer.parseInt(s.substring(i + 1));
      if (port < 0 || port > 65535) throw new NumberFormatException();
      return new InetSocketAddress(s.substring(0, i), port);
    } catch (NumberFormatException e) {
      throw new UsageException("--listen port must be 0..65535: " + s);
    }
  }

  /** Bitget's WebSocket host for Bitget's REST host; the simulator serves both on one port. */
  static URI webSocketUrl(URI restBase, String override) {
    if (override != null) return URI.create(override);
    if (restBase.getHost().endsWith("bitget.com")) return BitgetWebSocket.DEFAULT_URL;
    String scheme = "https".equals(restBase.getScheme()) ? "wss" : "ws";
    return URI.create(scheme + "://" + restBase.getHost() + (restBase.getPort() > 0 ? ":" + restBase.getPort() : "")
        + SimServer.WS_PATH);
  }
}
