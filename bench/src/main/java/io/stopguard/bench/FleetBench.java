package io.stopguard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.cli.Cli;
import io.stopguard.cli.Main;
import io.stopguard.sim.Scenario;
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
 * full sweep), the private WebSockets live, and the requests the simulator refused (429).
 *
 * <p>{@code bench/fleet [--accounts 3000] [--instances 1,3] [--timeout-s 600]}
 */
public final class FleetBench {
  private FleetBench() {}

  public static void main(String[] args) throws Exception {
    int accounts = 3000;
    List<Integer> sizes = List.of(1, 3);
    int timeoutS = 600;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--accounts" -> accounts = Integer.parseInt(args[++i]);
        case "--instances" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
        case "--timeout-s" -> timeoutS = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("bench/fleet: unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
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
        for (int n = 1; n <= k; n++) {
          Path home = Files.createDirectories(work.resolve("k" + k + "-host" + n));
          Path log = home.resolve("watch.log");
          logs.add(log);
          String java = ProcessHandle.current().info().command().orElse("java");
          ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "-cp",
              System.getProperty("java.class.path"), Main.class.getName(), "watch", "--restore", "dry-run",
              "--listen", "127.0.0.1:0", "--source-ip", "127.0.0." + n)
              .redirectErrorStream(true).redirectOutput(log.toFile());
          pb.environment().put("STOPGUARD_HOME", home.toString());
          pb.environment().put("STOPGUARD_DB", url);
          pb.environment().put("STOPGUARD_MASTER_KEY", masterKey);
          pb.environment().put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
          pb.environment().put("STOPGUARD_LOG_LEVEL", "WARN");
          pb.environment().remove("TELEGRAM_BOT_TOKEN");
          fleet.add(pb.start());
        }
        try {
          long deadline = System.currentTimeMillis() + timeoutS * 1000L;
          Long sweptMs = null;
          while (System.currentTimeMillis() < deadline) {
            int seen = 0;
            for (int i = 0; i < accounts; i++) if (sim.exchange().history().lastRequestAt(Integer.toString(900000 + i)) >= start) seen++;
            if (seen == accounts) {
              sweptMs = sim.exchange().now() - start;
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
          long refused = sim.rateLimited() - refused0;
          double s = sweptMs == null ? Double.NaN : sweptMs / 1000.0;
          sweep.put(k, s);
          rows.add(String.format(Locale.ROOT, "| %d | %d | %s | %d of %d, %.0f s after start | %d |", k, accounts,
              sweptMs == null ? "not within " + timeoutS + " s" : String.format(Locale.ROOT, "%.1f s", s), live, 90 * k,
              wsMs / 1000.0, refused));
          System.err.println("bench/fleet: " + rows.get(rows.size() - 1));
        } finally {
          for (Process p : fleet) p.destroy();
          for (Process p : fleet) p.waitFor(30, TimeUnit.SECONDS);
        }
      }
    }
    System.out.println("| instances (egress IPs) | accounts | first full sweep | WebSockets live | requests refused (429) |");
    System.out.println("|---|---|---|---|---|");
    rows.forEach(System.out::println);
    if (sweep.containsKey(1) && sizes.size() > 1) {
      int k = sizes.get(sizes.size() - 1);
      System.out.printf(Locale.ROOT, "%nRatio, first full sweep with %d instances / with 1: %.2f (goal <= 0.4)%n", k,
          sweep.get(k) / sweep.get(1));
    }
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
