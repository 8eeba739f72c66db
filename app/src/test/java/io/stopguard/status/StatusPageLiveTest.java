package io.stopguard.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.ManualTime;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import io.stopguard.guard.WatchHealth;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page's live update on hand-moved time: a change the guard saw reaches an open event stream at
 * the next tick ({@link StatusPage#TICK_MS}) and not before, and the keep-alive ping comes every
 * {@link StatusPage#PING_MS} of the page's clock. The server and the stream are real (a socket on
 * 127.0.0.1); only the waiting is taken out.
 */
class StatusPageLiveTest {
  @TempDir
  Path dir;

  static AccountSnapshot account(Verdict verdict, String mark) {
    BigDecimal m = new BigDecimal(mark);
    Position p = new Position("ETHUSDT", "USDT", HoldSide.LONG, PosMode.ONE_WAY, "crossed", BigDecimal.ONE, BigDecimal.ONE, m, m,
        new BigDecimal("3000.00"), BigDecimal.TEN, BigDecimal.ZERO, "0", "0");
    return new AccountSnapshot("700", "bg_x****", false, "live", Instant.parse("2026-12-05T08:00:00Z"), null,
        List.of(new PositionVerdict("700", p, verdict, List.of(), List.of(verdict == Verdict.MISSING ? "no stop-loss order" : ""))));
  }

  /** Everything the stream has sent so far (read on a thread of its own, as a browser does). */
  static final class Reader {
    final StringBuffer got = new StringBuffer();

    Reader(Socket s) {
      Thread.ofVirtual().start(() -> {
        byte[] buf = new byte[1 << 14];
        try (InputStream in = s.getInputStream()) {
          for (int n; (n = in.read(buf)) >= 0; ) got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        } catch (IOException closed) {
          // the test ends
        }
      });
    }
  }

  @Test
  void aChangeReachesTheStreamAtTheNextTickOfThePagesClockAndNotBefore() throws Exception {
    ManualTime time = new ManualTime(Instant.parse("2026-12-05T08:00:00Z"));
    AtomicReference<List<AccountSnapshot>> accounts = new AtomicReference<>(List.of(account(Verdict.PROTECTED, "3500.00")));
    try (Store store = Store.open(dir.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")))) {
      StatusModel model = new StatusModel(accounts::get, WatchHealth::none, store, u -> Optional.empty(), time.clock(), "test");
      StatusPage page = new StatusPage(model, new Labels("en"), null, time.timebase());
      try (page; StatusServer server = new StatusServer(new InetSocketAddress("127.0.0.1", 0), new StopguardMetrics().registry(),
          () -> Health.of(WatchHealth.none(), List.of()), page.handlers(), null, null);
          Socket s = new Socket("127.0.0.1", server.port())) {
        s.getOutputStream().write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        Reader r = new Reader(s);
        await().atMost(Duration.ofSeconds(5)).until(() -> page.streams() == 1 && r.got.toString().contains("retry: 1000"));

        accounts.set(List.of(account(Verdict.MISSING, "3400.00"))); // the guard sees the stop gone
        time.advance(Duration.ofMillis(StatusPage.TICK_MS - 1));
        Thread.sleep(300); // real time: nothing may arrive while the page's clock has not reached a tick
        assertThat(r.got.toString()).as("no tick yet").doesNotContain("3,400").doesNotContain("3400");

        time.advance(Duration.ofMillis(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> r.got.toString().contains("3400") || r.got.toString().contains("3,400"));
        assertThat(r.got.toString()).contains("event: ping"); // the first tick of a stream pings too
        int pings = count(r.got.toString(), "event: ping");

        time.advance(Duration.ofMillis(StatusPage.PING_MS - StatusPage.TICK_MS)); // before the next ping is due
        Thread.sleep(200);
        assertThat(count(r.got.toString(), "event: ping")).as("no ping before PING_MS of the page's clock").isEqualTo(pings);
        time.advance(Duration.ofMillis(StatusPage.PING_MS / 2)); // the tick at 2.4 s is the first 2 s after the last ping
        await().atMost(Duration.ofSeconds(5)).until(() -> count(r.got.toString(), "event: ping") == pings + 1);
        assertThat(r.got.toString()).contains("08:00:02 UTC"); // the ping carries the page's time, not the host's
      }
    }
  }

  static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
    return n;
  }
}
