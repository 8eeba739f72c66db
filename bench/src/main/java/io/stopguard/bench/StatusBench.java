package io.stopguard.bench;

import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import io.stopguard.guard.StatusServer;
import io.stopguard.guard.Watcher.AccountSnapshot;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.Verdict;
import io.stopguard.status.Labels;
import io.stopguard.status.StatusModel;
import io.stopguard.status.StatusPage;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The status page with N positions (default 10,000; 1 in 20 bare) over real HTTP: median and worst
 * time of a full page request (view built, sorted bare first, page 1 of 100 rows rendered), of a
 * filtered one, and of the event stream's first answer. Usage: bench/status [--positions N] [--runs R].
 */
public final class StatusBench {
  public static void main(String[] args) throws Exception {
    int n = 10_000;
    int runs = 30;
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--positions")) n = Integer.parseInt(args[i + 1]);
      if (args[i].equals("--runs")) runs = Integer.parseInt(args[i + 1]);
    }
    List<AccountSnapshot> accounts = new ArrayList<>();
    Instant now = Instant.now();
    for (int a = 0; a < n / 2; a++) {
      String user = Integer.toString(100_000 + a);
      List<PositionVerdict> verdicts = new ArrayList<>();
      for (String sym : List.of("BTCUSDT", "ETHUSDT")) {
        int k = a * 2 + (sym.equals("BTCUSDT") ? 0 : 1);
        boolean bare = k % 20 == 0;
        BigDecimal mark = sym.equals("BTCUSDT") ? new BigDecimal("95000.0") : new BigDecimal("3500.00");
        Position p = new Position(sym, "USDT", HoldSide.LONG, PosMode.ONE_WAY, "crossed", new BigDecimal("0.50"), new BigDecimal("0.50"),
            mark, mark, mark.multiply(new BigDecimal("0.9")), BigDecimal.TEN, BigDecimal.ZERO, "0", "0");
        List<PlanOrder> stops = bare ? List.of() : List.of(new PlanOrder("o" + k, "c" + k, sym, PlanType.POS_LOSS, null,
            mark.multiply(new BigDecimal("0.95")), "mark_price", null, "live", "buy", "net", PosMode.ONE_WAY, "close", "market", "0", "0"));
        verdicts.add(new PositionVerdict(user, p, bare ? Verdict.MISSING : Verdict.PROTECTED, stops,
            bare ? List.of("no stop-loss order for this position") : List.of()));
      }
      accounts.add(new AccountSnapshot(user, "bg_x****", false, a < 90 ? "live" : "polled", now, null, verdicts));
    }
    Path dir = Files.createTempDirectory("status-bench");
    try (Store store = Store.open(dir.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")))) {
      StatusModel model = new StatusModel(() -> accounts, Map::of, store, u -> Optional.of(new BigDecimal("10000")), Clock.systemUTC(),
          "bench");
      try (StatusPage page = new StatusPage(model, new Labels("en"), null);
          StatusServer server = new StatusServer(new InetSocketAddress("127.0.0.1", 0), new io.prometheus.metrics.model.registry.PrometheusRegistry(),
              List::of, Map::of, page.handlers(), null)) {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.port();
        for (String path : List.of("/", "/?verdict=bare", "/?sort=loss&page=50")) {
          long[] ms = new long[runs];
          int size = 0;
          for (int i = -5; i < runs; i++) { // 5 warm-up requests
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
            long t = (System.nanoTime() - t0) / 1_000_000;
            if (r.statusCode() != 200) throw new IllegalStateException(path + " answered " + r.statusCode());
            size = r.body().length();
            if (i >= 0) ms[i] = t;
          }
          Arrays.sort(ms);
          System.out.printf("GET %-22s %,d positions: median %d ms, worst %d ms, %,d bytes (%d runs)%n", path, n, ms[runs / 2],
              ms[runs - 1], size, runs);
        }
      }
    }
    System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version"));
  }
}
