package io.stopguard.cli;

import io.stopguard.alert.Alerting;
import io.stopguard.bitget.IpBudget;
import io.stopguard.guard.WatchLock;
import io.stopguard.guard.WatchSettings;
import io.stopguard.guard.Timebase;
import io.stopguard.guard.Watcher;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.probe.ProbeRecord;
import io.stopguard.store.Store;
import io.stopguard.watch.WatchProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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

  @Mixin
  ServeOptions serve;

  @Option(names = "--restore", paramLabel = "off|dry-run|on", defaultValue = "dry-run",
      description = "Automatic restore (default: ${DEFAULT-VALUE}).")
  String restore;

  @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "3",
      description = "Wait this long before restoring (default: ${DEFAULT-VALUE}).")
  double graceSeconds;

  @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "30",
      description = "Periodic reconcile per account (default: ${DEFAULT-VALUE}).")
  double intervalSeconds;

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

  @Option(names = "--ws-url", paramLabel = "URL",
      description = "Private WebSocket URL. Default: $STOPGUARD_BITGET_WS_URL, else derived from the REST base URL.")
  String wsUrl;

  WatchCommand(Cli cli) {
    this.cli = cli;
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
    LogSetup.serviceLevel(cli.env("STOPGUARD_LOG_LEVEL"));
    WatchSettings.Restore mode = WatchSettings.Restore.parse(restore);
    // Written so that NaN fails too (every comparison with NaN is false).
    if (!(graceSeconds >= 0 && graceSeconds <= 3600)) throw new UsageException("--grace must be 0..3600 seconds");
    if (!(intervalSeconds >= 0.1 && intervalSeconds <= 3600)) throw new UsageException("--interval must be 0.1..3600 seconds");
    WatchProcess.Serving serving = serve.serving(cli, () -> home.config(cli).statusLanguage());
    var config = home.config(cli);
    URI base = exchange.baseUrl(cli);
    URI ws = ExchangeOptions.webSocketUrl(base, wsUrl != null ? wsUrl : cli.env("STOPGUARD_BITGET_WS_URL"));
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
    WatchSettings settings = WatchSettings.DEFAULT.withRestore(mode).withGrace(Duration.ofMillis((long) (graceSeconds * 1000)))
        .withInterval(Duration.ofMillis((long) (intervalSeconds * 1000))).withWebSocket(!noWebSocket && wsConnections > 0)
        .withShard(sh[0], sh[1]);
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
    InetAddress egress;
    WatchProcess.Config plan;
    try {
      if (store.database().isPostgres()) {
        // A host with another master key than the shared store's would hold accounts it cannot open:
        // it refuses to start (exit 3, both key identifiers), before it claims anything.
        store.keys().checkMasterKey();
      }
      egress = ExchangeOptions.sourceAddress(egressSpec(), "--source-ip ");
      String instance = instanceId();
      WatchProcess.Fleet member = fleet ? new WatchProcess.Fleet(instance, hostName(),
          egress == null ? null : egress.getHostAddress(), leaseTtlSeconds, ipRequestsPerMinute) : null;
      plan = new WatchProcess.Config(home.home(cli), store, lock, exchange.check(cli, config.riskPolicy(), budget, egress),
          Services.checkService(cli, home, exchange, store, config, alerting, metrics), config.riskPolicy(), alerting, metrics,
          settings, ws, budget, serving, member, instance,
          leaseTtlSeconds, () -> Runtime.getRuntime().exit(ExitCodes.INCOMPLETE));
    } catch (RuntimeException e) {
      store.close();
      lock.close();
      throw e;
    }
    WatchProcess process;
    try {
      process = WatchProcess.start(plan, Timebase.system()); // on failure it has closed the store and the lock
    } catch (WatchProcess.Refused e) {
      throw new UsageException(e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      cli.err().println("stopguard watch: stopping");
      process.close();
      stopped.countDown();
    }, "watch-shutdown"));
    Watcher watcher = process.watcher();
    if (process.fleetMember() != null) {
      cli.err().println("stopguard watch: fleet instance " + process.fleetMember().id() + " on " + store.where() + ", lease TTL "
          + leaseTtlSeconds + " s" + (egress == null ? "" : ", source IP " + egress.getHostAddress()));
    }
    if (watcher.accountCount() == 0 && process.fleetMember() == null) {
      cli.err().println("stopguard watch: warning: no active Bitget key in " + store.where() + (shard == null ? "" : " for this shard")
          + ": nothing is guarded until one is added (stopguard keys add); /health says so too");
    }
    cli.err().println("stopguard watch: " + watcher.accountCount() + " account(s), restore " + restore + ", REST " + base
        + (noWebSocket ? ", polling only" : ", WebSocket " + ws) + "; " + (serving.tls() == null ? "http" : "https") + "://"
        + serving.listen().getHostString() + ":" + process.port() + "/metrics and /health");
    stopped.await();
    return ExitCodes.OK;
  }

  /** This process among the watchers sharing a database: host, pid and a random part (a restart is a new instance). */
  private static String instanceId() {
    String host = hostName();
    return host + "-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime() & 0xffffff, 36);
  }

  /** The egress address asked for (--source-ip or STOPGUARD_SOURCE_IP), trimmed, or null. */
  private String egressSpec() {
    String s = sourceIp != null ? sourceIp : cli.env("STOPGUARD_SOURCE_IP");
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "host";
    }
  }
}
