package io.stopguard.bench;

import io.stopguard.guard.AccountHealth;
import com.sun.management.OperatingSystemMXBean;
import io.stopguard.alert.Alerting;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.IpBudget;
import io.stopguard.check.CheckReport;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.guard.WatchSettings;
import io.stopguard.guard.Timebase;
import io.stopguard.guard.Watcher;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Faults;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.BufferedReader;
import java.io.File;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Load harness: the guard against the simulator on loopback with injected latency.
 *
 * <pre>
 *   bench/run                      # all: detection, restore, reconcile of 1,000 and 10,000 accounts
 *   bench/run --trials 50 --latency-ms 20 --accounts 1000,10000
 * </pre>
 *
 * Latency is one-way: every REST answer is delayed by 2 × latency (a round trip) and every
 * WebSocket push by 1 × latency. The simulator runs in the same JVM (it shares the 2 cores).
 */
public final class GuardBench {
  private static final PrintStream out = System.out;

  public static void main(String[] args) throws Exception {
    int trials = 30;
    long latency = 20;
    List<Integer> sizes = List.of(1_000, 10_000);
    int parallelism = 256;
    int watchAccounts = 0;
    int coldAccounts = 0;
    int runs = 2;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--trials" -> trials = Integer.parseInt(args[++i]);
        case "--latency-ms" -> latency = Long.parseLong(args[++i]);
        case "--accounts" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
        case "--parallelism" -> parallelism = Integer.parseInt(args[++i]);
        case "--watch" -> watchAccounts = Integer.parseInt(args[++i]);
        case "--cold" -> coldAccounts = Integer.parseInt(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: bench/run [--trials N] [--latency-ms MS] [--accounts 1000,10000] [--parallelism P] [--watch N] [--cold N [--runs R]]");
          System.exit(2);
        }
      }
    }
    out.printf(Locale.ROOT, "stopguard bench — %d cores, Java %s, max heap %d MB, one-way latency %d ms%n",
        Runtime.getRuntime().availableProcessors(), Runtime.version(), Runtime.getRuntime().maxMemory() >> 20, latency);
    if (coldAccounts > 0) {
      coldStart(coldAccounts, latency, parallelism, runs);
      return;
    }
    if (watchAccounts > 0) {
      watchAtScale(watchAccounts, latency);
      return;
    }
    if (trials > 0) {
      detectionAndRestore(trials, latency, true);
      detectionAndRestore(Math.max(5, trials / 3), latency, false);
    }
    for (int n : sizes) reconcile(n, latency, parallelism, false);
    reconcile(Math.min(1_000, sizes.getFirst()), latency, parallelism, true);
  }

  // ------------------------------------------------------------------ detection and restore

  static final String ONE = """
      accounts:
        - uid: "1"
          apiKey: k1
          secretKey: s1
          passphrase: p1
          positions:
            - {symbol: ETHUSDT, holdSide: long, total: "1.00", openPriceAvg: "3400.00", leverage: 5}
          planOrders:
            - {symbol: ETHUSDT, planType: pos_loss, holdSide: long, triggerPrice: "3200.00"}
      """;

  static void detectionAndRestore(int trials, long latency, boolean webSocket) throws Exception {
    Path home = Files.createTempDirectory("stopguard-bench-");
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(ONE)), 0);
        Store store = Store.open(home.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key")))) {
      sim.faults().set("*", new Faults.Spec(2 * latency, 0, 0, 0, 0, 0));
      sim.webSocketDelay(latency);
      store.keys().put("1", "bitget", "k1", "s1", "p1", false);
      StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 8, Policy.DEFAULT);
      StopguardMetrics metrics = new StopguardMetrics();
      CheckService service = new CheckService(store, check, Policy.DEFAULT, Alerting.none(), metrics, null,
          new IncidentLog(home.resolve("docs/incident_log.md")), Clock.systemUTC());
      // Polling-only runs reconcile every second; the WebSocket run never polls (1 h), so only pushes count.
      Duration interval = webSocket ? Duration.ofHours(1) : Duration.ofSeconds(1);
      WatchSettings settings = WatchSettings.DEFAULT.withRestore(WatchSettings.Restore.ON).withGrace(Duration.ZERO)
          .withInterval(interval).withWebSocket(webSocket).withParallelism(8).withEscalation(1000, WatchSettings.DEFAULT_ESCALATE_AFTER);
      List<Double> detect = new ArrayList<>();
      List<Double> restore = new ArrayList<>();
      try (Watcher w = Watcher.builder(store, check, service).metrics(metrics).settings(settings).webSocket(sim.webSocketUrl()).time(Timebase.system()).build()) {
        w.start();
        waitFor(() -> webSocket ? w.health().stream().allMatch(a -> "live".equals(a.webSocket()))
            : w.health().stream().allMatch(a -> a.lastReconcile() != null), 10_000);
        Thread.sleep(500);
        for (int i = 0; i < trials; i++) {
          long before;
          before = count(store);
          long t0 = System.nanoTime();
          sim.exchange().cancelStopsFromOutside("1", "ETHUSDT", "long");
          // detected: the incident (flag set, alert queued) exists
          waitFor(() -> {
            return count(store) > before;
          }, 15_000);
          long t1 = System.nanoTime();
          waitFor(() -> sim.exchange().countPlans("1", "ETHUSDT", "long", "pos_loss") == 1, 15_000);
          long t2 = System.nanoTime();
          detect.add((t1 - t0) / 1e6);
          restore.add((t2 - t1) / 1e6);
          // The next trial starts once the incident closed and the account's one-second per-UID windows
          // (all-position: 5 a second) are empty again: back-to-back trials measured the limiter's queue.
          Thread.sleep(webSocket ? 1100 : 1200);
        }
      }
      String path = webSocket ? "WebSocket" : "polling every 1 s";
      out.printf(Locale.ROOT, "detection (%s, n=%d): p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", path, detect.size(),
          pct(detect, 50), pct(detect, 99), pct(detect, 100));
      out.printf(Locale.ROOT, "restore   (%s, n=%d, grace 0): p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", path, restore.size(),
          pct(restore, 50), pct(restore, 99), pct(restore, 100));
    }
  }

  private static long count(Store store) {
    return store.incidents().detectedBetween(Instant.EPOCH, Instant.now().plusSeconds(60)).size();
  }

  // ------------------------------------------------------------------ reconcile at scale

  /**
   * One full reconcile. {@code atIpLimit} false: the guard's capacity, with Bitget's per-IP limits
   * off on both sides (as if the traffic left through enough egress IPs); true: both keep them.
   */
  static void reconcile(int accounts, long latency, int parallelism, boolean atIpLimit) throws Exception {
    List<Scenario.AccountSpec> specs = capacityAccounts(accounts);
    List<ExchangeKey> keys = capacityKeys(accounts);
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(new Scenario(List.of(), specs)), 0)) {
      sim.faults().set("*", new Faults.Spec(2 * latency, 0, 0, 0, 0, 0));
      sim.rateLimits(atIpLimit);
      StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(30), parallelism, Policy.DEFAULT,
          atIpLimit ? IpBudget.bitget() : IpBudget.unlimited());
      if (!atIpLimit) check.run(keys.subList(0, Math.min(50, keys.size()))); // warm up connections and JIT
      System.gc();
      for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
      var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      // Capacity: three cycles in a row, as watch runs them; the first one also pays for JIT compilation.
      int cycles = atIpLimit ? 1 : 3;
      for (int cycle = 1; cycle <= cycles; cycle++) {
        long requests0 = sim.restRequests();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        CheckReport report = check.run(keys);
        long wall = System.nanoTime() - t0;
        long cpu = os.getProcessCpuTime() - cpu0;
        long requests = sim.restRequests() - requests0;
        long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
            .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        out.printf(Locale.ROOT, "reconcile %,d accounts x 3 positions (%s, cycle %d): wall %.2f s, %.2f REST calls/account,"
                + " CPU %.1f s (guard + simulator, same JVM), peak heap %d MB, complete=%s, unprotected=%d, parallelism %d,"
                + " refused by the simulator's limits %d%n",
            accounts, atIpLimit ? "at Bitget's per-IP limit" : "capacity, per-IP limits off", cycle, wall / 1e9,
            requests / (double) accounts, cpu / 1e9, peakHeap >> 20, report.complete(), report.unprotected().size(),
            parallelism, sim.rateLimited());
      }
    }
  }

  /** Three positions an account, one bare position per 100 accounts; uids {@code u0…}, keys as {@link #capacityKeys}. */
  static List<Scenario.AccountSpec> capacityAccounts(int accounts) {
    String[] symbols = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
    String[] marks = {"95000.0", "3500.00", "180.000"};
    String[] stops = {"90000.0", "3300.00", "170.000"};
    List<Scenario.AccountSpec> specs = new ArrayList<>(accounts);
    for (int i = 0; i < accounts; i++) {
      List<Scenario.PositionSpec> pos = new ArrayList<>();
      List<Scenario.PlanOrderSpec> plans = new ArrayList<>();
      for (int s = 0; s < 3; s++) {
        pos.add(new Scenario.PositionSpec(symbols[s], "long", new BigDecimal(s == 0 ? "0.0100" : s == 1 ? "1.00" : "10.0"),
            new BigDecimal(marks[s]), 10, "isolated", null));
        if (i % 100 != 0 || s != 0) { // one bare position per 100 accounts
          plans.add(new Scenario.PlanOrderSpec(symbols[s], "pos_loss", "long", new BigDecimal(stops[s]), "mark_price", null,
              null, null, null));
        }
      }
      specs.add(new Scenario.AccountSpec("u" + i, "key" + i, "sec" + i, "pass" + i, "one_way_mode", pos, plans));
    }
    return specs;
  }

  /** The keys of {@link #capacityAccounts} (the cold guard in its own JVM uses these too). */
  static List<ExchangeKey> capacityKeys(int accounts) {
    List<ExchangeKey> keys = new ArrayList<>(accounts);
    for (int i = 0; i < accounts; i++) {
      keys.add(new ExchangeKey(i, "u" + i, "bitget", false, new Credentials("key" + i, "sec" + i, "pass" + i)));
    }
    return keys;
  }

  // ------------------------------------------------------------------ a cold guard against a warm exchange

  /** What the launcher adds for {@code watch}, {@code sim} and {@code demo} (./stopguard; keep the two equal). */
  static final String WATCH_JVM_FLAG = "-XX:CompileThresholdScaling=3";

  /**
   * Cycle 1 of a guard started cold against an exchange that is already warm, as after a restart:
   * the simulator runs here and is warmed by two cycles of this JVM's own check; the guard is
   * {@link ColdGuard} in a JVM of its own, started as the launcher starts {@code watch} (the fat jar
   * first on the class path, the default collector, the launcher's compile thresholds), alternately without and
   * with the launcher's AOT cache. Per-IP limits are off on both sides (the guard's capacity).
   */
  static void coldStart(int accounts, long latency, int parallelism, int runs) throws Exception {
    Path root = Path.of(System.getProperty("stopguard.root", ".")).toAbsolutePath().normalize();
    Path jar = root.resolve("app/target/stopguard-all.jar");
    if (!Files.readString(root.resolve("stopguard")).contains(WATCH_JVM_FLAG)) {
      throw new IllegalStateException("./stopguard no longer starts watch with " + WATCH_JVM_FLAG + ": update GuardBench.WATCH_JVM_FLAG");
    }
    String java = ProcessHandle.current().info().command().orElseThrow();
    Path aot = launcherCache(root, Path.of(java));
    String cp = jar + File.pathSeparator + Path.of(ColdGuard.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<ExchangeKey> keys = capacityKeys(accounts);
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(new Scenario(List.of(), capacityAccounts(accounts))), 0)) {
      sim.faults().set("*", new Faults.Spec(2 * latency, 0, 0, 0, 0, 0));
      sim.rateLimits(false);
      try (StopLossCheck warm = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(30), parallelism, Policy.DEFAULT,
          IpBudget.unlimited())) {
        for (int i = 0; i < 2; i++) warm.run(keys);
      }
      System.gc();
      // -Dbench.childOpts=A|B adds JVM options to the guard's JVM; several sets separated by "||" are
      // run one after the other, each with the cache only (for experiments: one warm simulator for all).
      String[] variants = System.getProperty("bench.childOpts", "").split("\\|\\|");
      for (int run = 1; run <= runs; run++) {
        for (int v = 0; v < variants.length * 2; v++) {
          boolean cached = v % 2 == 1;
          String childOpts = variants[v / 2];
          if (cached && aot == null || !cached && variants.length > 1) continue;
          List<String> cmd = new ArrayList<>(List.of(java, WATCH_JVM_FLAG));
          if (cached) cmd.add("-XX:AOTCache=" + aot);
          if (!childOpts.isBlank()) cmd.addAll(List.of(childOpts.trim().split("\\|")));
          cmd.addAll(List.of("-cp", cp, ColdGuard.class.getName(), sim.baseUrl().toString(), "" + accounts, "" + parallelism,
              "" + Math.max(3, Integer.getInteger("bench.coldCycles", 3))));
          long spawned = System.currentTimeMillis();
          Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
          long main = 0;
          List<long[]> cycles = new ArrayList<>();
          String last = "";
          try (BufferedReader r = p.inputReader()) {
            for (String line; (line = r.readLine()) != null; ) {
              String[] f = line.split(" ");
              if (f[0].equals("main")) main = Long.parseLong(f[1]);
              else if (!f[0].equals("cycle")) System.err.println("  " + line); // the JVM's own output (diagnostic flags)
              if (f[0].equals("cycle")) {
                cycles.add(new long[] {Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[6])});
                last = "complete=" + f[4] + ", unprotected=" + f[5];
              }
            }
          }
          if (p.waitFor() != 0 || cycles.size() < 3) throw new IllegalStateException("the cold guard failed: exit " + p.exitValue());
          out.printf(Locale.ROOT, "cold guard, warm exchange, %,d accounts x 3 positions (%s%s, run %d): start -> main %d ms,"
                  + " cycle 1 %.2f s (start -> cycle 1 done %.2f s), cycle 2 %.2f s, cycle 3 %.2f s; guard CPU to the end of cycle 1"
                  + " %.1f s, in cycle 3 %.1f s; %s%n",
              accounts, cached ? "AOT cache" : "no AOT cache", childOpts.isBlank() ? "" : ", " + childOpts.trim(), run, main - spawned, cycles.get(0)[0] / 1e3,
              (cycles.get(0)[1] - spawned) / 1e3, cycles.get(1)[0] / 1e3, cycles.get(2)[0] / 1e3, cycles.get(0)[2] / 1e3,
              (cycles.get(2)[2] - cycles.get(1)[2]) / 1e3, last);
          if (cycles.size() > 3) { // -Dbench.coldCycles=N: where the steady state ends up
            int n = cycles.size();
            out.printf(Locale.ROOT, "  ... cycle %d %.2f s, guard CPU in it %.1f s%n", n, cycles.get(n - 1)[0] / 1e3,
                (cycles.get(n - 1)[2] - cycles.get(n - 2)[2]) / 1e3);
          }
        }
      }
    }
  }

  /**
   * The launcher's AOT cache of the long-running commands ({@code watch.aot}) for this JDK, made by
   * running {@code ./stopguard --version} when stale; or null.
   */
  static Path launcherCache(Path root, Path java) throws Exception {
    Process p = new ProcessBuilder(root.resolve("stopguard").toString(), "--version")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    p.waitFor();
    Path home = java.toRealPath().getParent().getParent();
    String id = home.toString().replaceAll("[^A-Za-z0-9._-]", "_").replaceFirst("^_", "");
    Path aot = root.resolve("app/target/startup").resolve(id).resolve("watch.aot");
    if (!Files.isRegularFile(aot)) {
      System.err.println("no AOT cache at " + aot + " (a JDK before 25?): measuring without one only");
      return null;
    }
    return aot;
  }

  // ------------------------------------------------------------------ watch at scale

  /**
   * {@code stopguard watch} over N accounts with Bitget's per-IP limits kept on both sides and the
   * watcher's default budget (5700 requests/min, 90 WebSockets): the first 90 accounts get a WebSocket, the rest are polled through the background lane. Reports the
   * first full sweep, detection and restore on WebSocket accounts while the sweep saturates the
   * IP's budget, and a steady minute (requests/s, CPU, threads, heap, refusals).
   */
  static void watchAtScale(int accounts, long latency) throws Exception {
    Scenario scenario = scaleScenario(accounts);
    Path home = Files.createTempDirectory("stopguard-bench-watch-");
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(scenario), 0);
        Store store = Store.open(home.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), home.resolve("master.key")))) {
      sim.faults().set("*", new Faults.Spec(2 * latency, 0, 0, 0, 0, 0));
      sim.webSocketDelay(latency);
      store.inTransaction(() -> {
        for (Scenario.AccountSpec a : scenario.accounts()) store.keys().put(a.uid(), "bitget", a.apiKey(), a.secretKey(), a.passphrase(), false);
      });
      StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(30), 256, Policy.DEFAULT, WatchSettings.defaultBudget());
      StopguardMetrics metrics = new StopguardMetrics();
      CheckService service = new CheckService(store, check, Policy.DEFAULT, Alerting.none(), metrics, null,
          new IncidentLog(home.resolve("docs/incident_log.md")), Clock.systemUTC());
      WatchSettings settings = WatchSettings.DEFAULT.withRestore(WatchSettings.Restore.ON).withGrace(Duration.ZERO)
          .withKeyRefresh(Duration.ofSeconds(60)).withParallelism(256);
      System.gc();
      for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
      var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long t0 = System.nanoTime();
      try (Watcher w = Watcher.builder(store, check, service).metrics(metrics).settings(settings).webSocket(sim.webSocketUrl()).time(Timebase.system()).build()) {
        w.start();
        Double allLive = null;
        List<Double> detect = new ArrayList<>();
        List<Double> restore = new ArrayList<>();
        long lastReport = 0;
        long deadline = System.nanoTime() + 900_000_000_000L;
        while (true) {
          List<AccountHealth> h = w.health();
          long live = h.stream().filter(a -> "live".equals(a.webSocket())).count();
          long reconciled = h.stream().filter(a -> a.lastReconcile() != null).count();
          List<String> wsUsers = h.stream().filter(a -> "live".equals(a.webSocket())).map(a -> a.userId()).toList();
          double t = (System.nanoTime() - t0) / 1e9;
          if (allLive == null && live == Math.min(accounts, WatchSettings.defaultBudget().maxConnections())) {
            allLive = t;
            // Detection and restore on WebSocket accounts while the first sweep keeps the IP budget busy.
            for (int i = 0; i < 10 && reconciled < accounts; i++) {
              String uid = wsUsers.get(i % wsUsers.size());
              long before;
              before = count(store);
              long c0 = System.nanoTime();
              sim.exchange().cancelStopsFromOutside(uid, "ETHUSDT", "long");
              waitFor(() -> {
                return count(store) > before;
              }, 30_000);
              long c1 = System.nanoTime();
              waitFor(() -> sim.exchange().countPlans(uid, "ETHUSDT", "long", "pos_loss") == 1, 30_000);
              long c2 = System.nanoTime();
              detect.add((c1 - c0) / 1e6);
              restore.add((c2 - c1) / 1e6);
              Thread.sleep(500);
            }
          }
          if (h.size() == accounts && reconciled == accounts && allLive != null) break;
          if (System.nanoTime() > deadline) throw new IllegalStateException("not all reconciled after 15 min: " + reconciled);
          if (System.nanoTime() - lastReport > 10_000_000_000L) {
            lastReport = System.nanoTime();
            System.err.printf(Locale.ROOT, "  %.0f s: %,d watched, %,d WebSockets live, %,d reconciled, %,d REST requests,"
                    + " %d refused by limits, %d threads%n", t, h.size(), live, reconciled, sim.restRequests(),
                sim.rateLimited(), ManagementFactory.getThreadMXBean().getThreadCount());
          }
          Thread.sleep(500);
        }
        double sweep = (System.nanoTime() - t0) / 1e9;
        long cpu0 = os.getProcessCpuTime();
        long req0 = sim.restRequests();
        Thread.sleep(60_000);
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        long reqs = sim.restRequests() - req0;
        long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
            .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.gc();
        long liveHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        out.printf(Locale.ROOT, "watch %,d accounts at Bitget's per-IP limits: %d WebSockets live after %.1f s; first full"
                + " reconcile of all accounts after %.1f s; while it ran, WebSocket accounts: detection p50 %.0f ms / max %.0f ms,"
                + " restore p50 %.0f ms / max %.0f ms (n=%d); steady 60 s: %.1f REST requests/s (%.2f per account per 30 s),"
                + " CPU %.1f s (guard + simulator), %d threads, peak heap %d MB, heap after GC %d MB; refused by the"
                + " simulator's limits: %d%n",
            accounts, Math.min(accounts, WatchSettings.defaultBudget().maxConnections()), allLive, sweep, pct(detect, 50), pct(detect, 100),
            pct(restore, 50), pct(restore, 100), detect.size(), reqs / 60.0, reqs / (double) accounts / 2, cpu,
            ManagementFactory.getThreadMXBean().getThreadCount(), peakHeap >> 20, liveHeap >> 20, sim.rateLimited());
      }
    }
  }

  static Scenario scaleScenario(int accounts) {
    List<Scenario.AccountSpec> specs = new ArrayList<>(accounts);
    for (int i = 0; i < accounts; i++) {
      specs.add(new Scenario.AccountSpec("u" + i, "key" + i, "sec" + i, "pass" + i, "one_way_mode",
          List.of(new Scenario.PositionSpec("ETHUSDT", "long", new BigDecimal("1.00"), new BigDecimal("3500.00"), 10,
              "isolated", null)),
          List.of(new Scenario.PlanOrderSpec("ETHUSDT", "pos_loss", "long", new BigDecimal("3300.00"), "mark_price", null,
              null, null, null))));
    }
    return new Scenario(List.of(), specs);
  }

  // ------------------------------------------------------------------ helpers

  static double pct(List<Double> xs, int p) {
    List<Double> s = xs.stream().sorted().toList();
    if (s.isEmpty()) return Double.NaN;
    int rank = (int) Math.ceil(p / 100.0 * s.size());
    return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
  }

  static void waitFor(BooleanSupplier c, long timeoutMs) throws InterruptedException {
    long end = System.currentTimeMillis() + timeoutMs;
    while (!c.getAsBoolean()) {
      if (System.currentTimeMillis() > end) throw new IllegalStateException("timed out");
      Thread.sleep(2);
    }
  }
}
