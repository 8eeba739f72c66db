package io.stopguard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.cli.Cli;
import io.stopguard.cli.Main;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimHistory;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fleet benchmark (bench/fleet): 1 vs K `watch` processes, each leaving from its own loopback
 * address (127.0.0.1..K), sharing one real PostgreSQL store, against the simulator with Bitget's
 * per-IP limits on. Per fleet size: the time until every account has been looked at once (the first
 * full sweep: its positions, then its plan orders; read from the simulator's history), the private
 * WebSockets live, and the requests the simulator refused (429).
 *
 * <p>{@code bench/fleet [--accounts 3000] [--instances 1,3,5] [--timeout-s 600] [--no-aot-cache]}
 */
public final class FleetBench {
  private FleetBench() {}

  public static void main(String[] args) throws Exception {
    int accounts = 3000;
    List<Integer> sizes = List.of(1, 3, 5);
    int timeoutS = 600;
    boolean aotCache = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--accounts" -> accounts = Integer.parseInt(args[++i]);
        case "--instances" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
        case "--timeout-s" -> timeoutS = Integer.parseInt(args[++i]);
        case "--no-aot-cache" -> aotCache = false;
        default -> {
          System.err.println("bench/fleet: unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    // Each instance starts as the launcher starts watch: the fat jar with the launcher's AOT cache.
    Path root = Path.of(System.getProperty("stopguard.root", ".")).toAbsolutePath().normalize();
    String java = ProcessHandle.current().info().command().orElse("java");
    Path aot = aotCache ? GuardBench.launcherCache(root, Path.of(java)) : null;
    Path jar = root.resolve("app/target/stopguard-all.jar");
    Path work = Files.createTempDirectory("stopguard-fleet-bench-");
    String masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
    List<String> rows = new ArrayList<>();
    Map<Integer, Double> sweep = new HashMap<>();
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(scenario(accounts))), 0)) {
      sim.exchange().history().enable();
      System.err.println("bench/fleet: " + accounts + " accounts on " + sim.baseUrl() + " (per-IP limits on), PostgreSQL on "
          + pg.getPort());
      for (int k : sizes) {
        String db = "fleet_" + k;
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
          st.execute("CREATE DATABASE " + db);
        }
        String url = "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/" + db;
        Path admin = Files.createDirectories(work.resolve("admin-" + k));
        Map<String, String> env = Map.of("STOPGUARD_HOME", admin.toString(), "STOPGUARD_DB", url, "STOPGUARD_MASTER_KEY",
            masterKey);
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        int code = Main.run(new Cli(env, new ByteArrayInputStream(csv(accounts).getBytes(StandardCharsets.UTF_8)), quiet, quiet,
            false), "keys", "import", "--format", "csv");
        if (code != 0) throw new IllegalStateException("keys import failed: " + code);

        long start = sim.exchange().now();
        long refused0 = sim.rateLimited();
        List<Process> fleet = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        List<Long> spawned = new ArrayList<>();
        for (int n = 1; n <= k; n++) {
          Path home = Files.createDirectories(work.resolve("k" + k + "-host" + n));
          Path log = home.resolve("watch.log");
          logs.add(log);
          // No --enable-native-access here: the jar's manifest says it, and the flag would not match the
          // cache's training run, which then refuses the cache.
          List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", GuardBench.WATCH_JVM_FLAG));
          if (aot != null) cmd.add("-XX:AOTCache=" + aot);
          String childOpts = System.getProperty("bench.childOpts", ""); // extra JVM options separated by '|' (profiling)
          if (!childOpts.isBlank()) cmd.addAll(List.of(childOpts.trim().split("\\|")));
          cmd.addAll(List.of("-jar", jar.toString(), "watch", "--restore", "dry-run",
              "--listen", "127.0.0.1:0", "--source-ip", "127.0.0." + n));
          ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
          pb.environment().put("STOPGUARD_HOME", home.toString());
          pb.environment().put("STOPGUARD_DB", url);
          pb.environment().put("STOPGUARD_MASTER_KEY", masterKey);
          pb.environment().put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
          pb.environment().put("STOPGUARD_LOG_LEVEL", System.getProperty("bench.logLevel", "INFO")); // the first claim's time is read from the log
          pb.environment().remove("TELEGRAM_BOT_TOKEN");
          spawned.add(System.currentTimeMillis());
          fleet.add(pb.start());
        }
        try {
          long deadline = System.currentTimeMillis() + timeoutS * 1000L;
          Long sweptMs = null;
          while (System.currentTimeMillis() < deadline) {
            Map<String, Long> looked = firstLooks(sim.exchange().history(), start);
            if (looked.size() == accounts) { // exact: the simulator's time of the last first look, not this loop's
              sweptMs = looked.values().stream().mapToLong(Long::longValue).max().orElseThrow() - start;
              break;
            }
            Thread.sleep(500);
          }
          // WebSockets connect at the pace of Bitget's connect budget (30 at once, then 0.8/s per IP):
          // wait for all of them (or 150 s) and say how long it took.
          int live = 0;
          long wsStart = System.nanoTime();
          long wsDeadline = wsStart + 150_000_000_000L;
          while (System.nanoTime() < wsDeadline) {
            live = 0;
            for (Path log : logs) live += webSocketsLive(log);
            if (live >= Math.min(90 * k, accounts)) break;
            Thread.sleep(2000);
          }
          long wsMs = (sim.exchange().now() - start);
          List<String> claims = new ArrayList<>();
          for (int i = 0; i < k; i++) claims.add(firstClaim(logs.get(i), spawned.get(i)));
          if (sweptMs != null) System.err.println("bench/fleet: requests per second by egress IP, start to sweep end:\n"
              + perSecond(sim.exchange().history(), start, start + sweptMs));
          long refused = sim.rateLimited() - refused0;
          double s = sweptMs == null ? Double.NaN : sweptMs / 1000.0;
          sweep.put(k, s);
          int warnings = 0;
          for (Path log : logs) warnings += (int) Files.readAllLines(log).stream().filter(l -> l.contains(" WARN ")).count();
          rows.add(String.format(Locale.ROOT, "| %d | %d | %s | %s | %d of %d, %.0f s after start | %d | %d |", k, accounts,
              sweptMs == null ? "not within " + timeoutS + " s" : String.format(Locale.ROOT, "%.1f s", s),
              String.join(", ", claims), live, 90 * k, wsMs / 1000.0, refused, warnings));
          System.err.println("bench/fleet: " + rows.get(rows.size() - 1));
        } finally {
          for (Process p : fleet) p.destroy();
          for (Process p : fleet) p.waitFor(30, TimeUnit.SECONDS);
        }
      }
    }
    System.out.printf(Locale.ROOT, "%s, %s%n%n", Runtime.version(), aot == null ? "no AOT cache" : "the launcher's AOT cache");
    System.out.println("| instances (egress IPs) | accounts | first full sweep | start -> first claim, each instance |"
        + " WebSockets live | requests refused (429) | WARN lines logged |");
    System.out.println("|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
    if (sweep.containsKey(1)) {
      System.out.println();
      for (int k : sizes) {
        if (k == 1) continue;
        double ratio = sweep.get(k) / sweep.get(1);
        System.out.printf(Locale.ROOT, "Ratio, first full sweep with %d instances / with 1: %.2f (ideal 1/%d = %.2f: %.2f x the ideal)%n",
            k, ratio, k, 1.0 / k, ratio * k);
      }
    }
  }

  /**
   * When each account's first look since {@code start} ended: its plan orders asked after its
   * positions (a look asks both; any other request, a key's permissions, is not a look).
   */
  static Map<String, Long> firstLooks(SimHistory h, long start) {
    Map<String, Long> positionsAsked = new HashMap<>();
    Map<String, Long> done = new HashMap<>();
    for (SimHistory.Event e : h.events()) {
      if (e.t() < start || !e.kind().equals("request") || e.uid() == null) continue;
      if (e.detail().contains("/position/all-position")) positionsAsked.putIfAbsent(e.uid(), e.t());
      else if (e.detail().contains("/orders-plan-pending") && positionsAsked.containsKey(e.uid())) done.putIfAbsent(e.uid(), e.t());
    }
    return done;
  }

  /** Per source IP, REST requests the simulator saw in each second from {@code start} to {@code end} (where the sweep's time goes). */
  static String perSecond(SimHistory h, long start, long end) {
    Map<String, int[]> by = new java.util.TreeMap<>();
    int seconds = (int) ((end - start) / 1000) + 1;
    for (SimHistory.Event e : h.events()) {
      if (!e.kind().equals("request") || e.t() < start || e.t() > end) continue;
      String ip = e.detail().substring(e.detail().lastIndexOf(' ') + 1);
      by.computeIfAbsent(ip, x -> new int[seconds])[(int) ((e.t() - start) / 1000)]++;
    }
    StringBuilder sb = new StringBuilder();
    by.forEach((ip, n) -> sb.append("  ").append(ip).append(": ").append(Arrays.toString(n)).append('\n'));
    return sb.toString();
  }

  /** Seconds from this instance's start to its first "fleet: claimed" log line, or "none". */
  static String firstClaim(Path log, long spawnedMs) throws Exception {
    Matcher m = Pattern.compile("(?m)^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) INFO .*fleet: claimed").matcher(Files.readString(log));
    if (!m.find()) return "none";
    LocalDate day = Instant.ofEpochMilli(spawnedMs).atZone(ZoneId.systemDefault()).toLocalDate();
    long at = LocalTime.parse(m.group(1)).atDate(day).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
    return String.format(Locale.ROOT, "%.1f s", (at - spawnedMs) / 1000.0);
  }

  static String scenario(int n) {
    StringBuilder sb = new StringBuilder("accounts:\n");
    for (int i = 0; i < n; i++) {
      sb.append("  - {uid: \"").append(900000 + i).append("\", apiKey: bg_b").append(i).append(", secretKey: s").append(i)
          .append(", passphrase: p").append(i).append(", positions: [{symbol: BTCUSDT, holdSide: long, total: \"0.01\",")
          .append(" openPriceAvg: \"94000\", leverage: 10}], planOrders: [{symbol: BTCUSDT, planType: pos_loss,")
          .append(" holdSide: long, triggerPrice: \"90000\"}]}\n");
    }
    return sb.toString();
  }

  static String csv(int n) {
    StringBuilder sb = new StringBuilder("user_id,exchange,api_key,secret,passphrase\n");
    for (int i = 0; i < n; i++) sb.append(900000 + i).append(",bitget,bg_b").append(i).append(",s").append(i).append(",p").append(i).append('\n');
    return sb.toString();
  }

  /** webSocketsLive from the instance's /health (its port is in its first log lines). */
  static int webSocketsLive(Path log) throws Exception {
    Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/metrics").matcher(Files.readString(log));
    if (!m.find()) return 0;
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.group(1) + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode h = new ObjectMapper().readTree(r.body());
    JsonNode summary = h.has("summary") ? h.get("summary") : h;
    return summary.path("webSocketsLive").asInt(0);
  }
}
