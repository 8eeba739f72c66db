package io.stopguard.status;

import io.stopguard.guard.Timebase;
import io.stopguard.guard.WatchHealth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import io.stopguard.status.StatusServer;
import io.stopguard.guard.Watcher.AccountSnapshot;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.Verdict;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow readers cannot exhaust memory: real sockets that connect to /events and never read, while
 * every row changes on every tick. Each such stream is closed once its queue is full (it held every
 * event in memory before: 300 of them filled a 6.2 GB heap); a client that reads keeps its stream.
 */
class StatusPageStreamsTest {
  @TempDir
  Path dir;

  /** 1,500 positions whose mark price moves on every call: every row changes on every tick. */
  static List<AccountSnapshot> moving(AtomicInteger tick) {
    int t = tick.incrementAndGet();
    List<AccountSnapshot> out = new ArrayList<>();
    for (int u = 0; u < 300; u++) {
      List<PositionVerdict> vs = new ArrayList<>();
      for (String sym : List.of("AUSDT", "BUSDT", "CUSDT", "DUSDT", "EUSDT")) {
        BigDecimal mark = new BigDecimal(3500 + t % 1000 + u).setScale(2);
        Position p = new Position(sym, "USDT", HoldSide.LONG, PosMode.ONE_WAY, "crossed", BigDecimal.ONE, BigDecimal.ONE, mark, mark,
            new BigDecimal("3000.00"), BigDecimal.TEN, BigDecimal.ZERO, "0", "0");
        vs.add(new PositionVerdict("u" + u, p, Verdict.MISSING, List.of(), List.of("no stop-loss order for this position "
            + "x".repeat(200))));
      }
      out.add(new AccountSnapshot("u" + u, "bg_x****", false, "live", Instant.now(), null, vs));
    }
    return out;
  }

  @Test
  void aStreamThatIsNotReadIsClosedAndOneThatIsReadStays() throws Exception {
    AtomicInteger tick = new AtomicInteger();
    try (Store store = Store.open(dir.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")))) {
      StatusModel model = new StatusModel(() -> moving(tick), WatchHealth::none, store, u -> Optional.empty(), Clock.systemUTC(), "test");
      StatusPage page = new StatusPage(model, new Labels("en"), null, 4, Timebase.system()); // production: StatusPage.QUEUE
      try (page; StatusServer server = new StatusServer(new InetSocketAddress("127.0.0.1", 0), new StopguardMetrics().registry(),
          () -> Health.of(WatchHealth.none(), List.of()), page.handlers(), null, null);
          Socket stalled = new Socket("127.0.0.1", server.port()); Socket reader = new Socket("127.0.0.1", server.port())) {
        stalled.setReceiveBufferSize(4096);
        for (Socket s : List.of(stalled, reader)) {
          s.getOutputStream().write(("GET /events?verdict=bare HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        Thread drain = Thread.ofVirtual().start(() -> {
          byte[] buf = new byte[1 << 16];
          try (InputStream in = reader.getInputStream()) {
            while (in.read(buf) >= 0) {
              // reads everything, as a browser does
            }
          } catch (IOException closed) {
            // the test ends
          }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> page.streams() == 2);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> page.streams() == 1);
        Thread.sleep(2 * StatusPage.PING_MS);
        assertThat(page.streams()).as("the reading client keeps its stream").isEqualTo(1);
        drain.interrupt();
      }
    }
  }
}
