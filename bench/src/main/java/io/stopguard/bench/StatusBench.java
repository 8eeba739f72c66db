package io.stopguard.bench;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import io.stopguard.guard.Timebase;
import io.stopguard.guard.WatchHealth;
import io.stopguard.status.Health;
import io.stopguard.status.StatusServer;
import io.stopguard.guard.Watcher.AccountSnapshot;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.Verdict;
import io.stopguard.status.Labels;
import io.stopguard.status.StatusModel;
import io.stopguard.status.StatusPage;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The status page with N positions (default 10,000; 1 in 20 bare) over real HTTP: median and worst
 * time of a full page request (view built, sorted bare first, page 1 of 100 rows rendered), of a
 * filtered one, and of the event stream's first answer. Then the event stream under clients that
 * never read (a stalled tab, a slowloris): S raw sockets (default 300, receive buffer 4 kB) ask for
 * {@code /events} and read nothing while a row changes every 50 ms for T seconds (default 60), beside
 * one client that reads; the heap after a full GC is sampled every 5 s. Usage:
 * bench/status [--positions N] [--runs R] [--stalled S] [--seconds T].
 */
public final class StatusBench {
  public static void main(String[] args) throws Exception {
    int n = 10_000;
    int runs = 30;
    int stalled = 300;
    int seconds = 60;
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--positions")) n = Integer.parseInt(args[i + 1]);
      if (args[i].equals("--runs")) runs = Integer.parseInt(args[i + 1]);
      if (args[i].equals("--stalled")) stalled = Integer.parseInt(args[i + 1]);
      if (args[i].equals("--seconds")) seconds = Integer.parseInt(args[i + 1]);
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
      AtomicReference<List<AccountSnapshot>> live = new AtomicReference<>(
          List.copyOf(accounts));
      StatusModel model = new StatusModel(live::get, WatchHealth::none, store, u -> Optional.of(new BigDecimal("10000")), Clock.systemUTC(),
          "bench");
      try (StatusPage page = new StatusPage(model, new Labels("en"), null, Timebase.system());
          StatusServer server = new StatusServer(new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry(),
              () -> Health.of(WatchHealth.none(), List.of()), page.handlers(), null, null)) {
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
        if (stalled > 0) stalledClients(server.port(), live, stalled, seconds);
      }
    }
    System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
        + ", -Xmx" + Runtime.getRuntime().maxMemory() / (1 << 20) + "m");
  }

  /** Heap used after a full GC, MB. */
  private static long heapMb() {
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return (rt.totalMemory() - rt.freeMemory()) >> 20;
  }

  private static void stalledClients(int port, AtomicReference<List<AccountSnapshot>> live, int count,
      int seconds) throws Exception {
    long before = heapMb();
    byte[] ask = ("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n").getBytes(
        StandardCharsets.US_ASCII);
    // one viewer that reads, connected first: its events must keep coming while the others stall
    AtomicLong readBytes = new AtomicLong();
    Socket reader = new Socket("127.0.0.1", port);
    reader.getOutputStream().write(ask);
    Thread.ofVirtual().start(() -> {
      byte[] buf = new byte[8192];
      try (var in = reader.getInputStream()) {
        for (int k; (k = in.read(buf)) > 0; ) readBytes.addAndGet(k);
      } catch (IOException ignored) {
        // closed at the end
      }
    });
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Socket so = new Socket();
      so.setReceiveBufferSize(4096);
      so.connect(new InetSocketAddress("127.0.0.1", port));
      so.getOutputStream().write(ask);
      sockets.add(so);
    }
    Random rnd = new Random(1);
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long nextSample = System.nanoTime();
    long peak = 0;
    List<String> samples = new ArrayList<>();
    while (System.nanoTime() < end) {
      List<AccountSnapshot> now = new ArrayList<>(live.get());
      int i = rnd.nextInt(now.size());
      AccountSnapshot a = now.get(i);
      List<PositionVerdict> flipped = a.verdicts().stream().map(v -> new PositionVerdict(v.userId(), v.position(),
          v.verdict() == Verdict.MISSING ? Verdict.PROTECTED : Verdict.MISSING, v.stops(), v.reasons())).toList();
      now.set(i, new AccountSnapshot(a.userId(), a.maskedKey(), a.demo(), a.webSocket(), Instant.now(), a.lastError(), flipped));
      live.set(List.copyOf(now));
      if (System.nanoTime() >= nextSample) {
        long mb = heapMb();
        peak = Math.max(peak, mb);
        samples.add(mb + "");
        nextSample += 5_000_000_000L;
      }
      Thread.sleep(50);
    }
    long after = heapMb();
    // Which stalled clients the server dropped: read each to its end (all at once; one that is still
    // open runs into the timeout with its buffers drained).
    AtomicInteger dropped = new AtomicInteger();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Socket so : sockets) {
        pool.submit(() -> {
          try (so; var in = so.getInputStream()) {
            so.setSoTimeout(500);
            byte[] buf = new byte[65536];
            long until = System.nanoTime() + 3_000_000_000L; // a stream still open keeps sending: stop at 3 s
            while (System.nanoTime() < until) {
              try {
                if (in.read(buf) < 0) {
                  dropped.incrementAndGet(); // end of stream: the server dropped this stalled client
                  break;
                }
              } catch (SocketTimeoutException quiet) {
                // nothing for 500 ms: read on until the deadline
              }
            }
          } catch (IOException e) {
            dropped.incrementAndGet(); // reset by the server
          }
          return null;
        });
      }
    }
    int closedByServer = dropped.get();
    reader.close();
    System.out.printf("%d stalled /events clients for %d s (a row changed every 50 ms): heap after GC %d MB before, peak %d MB,"
        + " %d MB after (samples every 5 s: %s); %d dropped by the server (503 beyond 200 streams, or closed with 32 batches waiting); the reading client got %,d bytes%n", count, seconds,
        before, peak, after, String.join(" ", samples), closedByServer, readBytes.get());
  }
}
