package io.stopguard.status;

import io.stopguard.guard.WatchHealth;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.FakeClock;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import io.stopguard.guard.Watcher.AccountSnapshot;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.Verdict;
import io.stopguard.store.Database;
import io.stopguard.store.PgServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of a fleet on one real PostgreSQL store: each page shows both instances' accounts,
 * says which instance guards each, and a position closed on one instance leaves the other's page.
 */
class FleetStatusTest {
  @TempDir
  Path dir;

  static AccountSnapshot account(String user, String symbol, boolean bare) {
    BigDecimal mark = new BigDecimal("3500.00");
    Position p = new Position(symbol, "USDT", HoldSide.LONG, PosMode.ONE_WAY, "crossed", BigDecimal.ONE, BigDecimal.ONE, mark, mark,
        new BigDecimal("3000.00"), BigDecimal.TEN, BigDecimal.ZERO, "0", "0");
    List<PlanOrder> stops = bare ? List.of() : List.of(new PlanOrder("o1", "c1", symbol, PlanType.POS_LOSS, null,
        new BigDecimal("3300.00"), "mark_price", null, "live", "buy", "net", PosMode.ONE_WAY, "close", "market", "0", "0"));
    return new AccountSnapshot(user, "bg_x****", false, "live", Instant.now(), null,
        List.of(new PositionVerdict(user, p, bare ? Verdict.MISSING : Verdict.PROTECTED, stops,
            bare ? List.of("no stop-loss order for this position") : List.of())));
  }

  @Test
  void everyInstanceShowsTheWholeFleetWithEachAccountsOwner() {
    Database db = Database.parse(PgServer.newDatabase(), Map.of());
    SecretBox box = SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key"));
    try (Store a = Store.open(db, box); Store b = Store.open(db, box)) {
      List<AccountSnapshot> onA = new CopyOnWriteArrayList<>(List.of(account("9001", "ETHUSDT", true)));
      List<AccountSnapshot> onB = new CopyOnWriteArrayList<>(List.of(account("9002", "ETHUSDT", false)));
      FakeClock clock = new FakeClock(Instant.now());
      FleetRows rowsA = new FleetRows(a, "instance-a", clock);
      FleetRows rowsB = new FleetRows(b, "instance-b", clock);
      StatusModel modelA = new StatusModel(() -> onA, WatchHealth::none, a, u -> Optional.empty(), Clock.systemUTC(), "instance-a")
          .withOthers(rowsA.others());
      StatusModel modelB = new StatusModel(() -> onB, WatchHealth::none, b, u -> Optional.empty(), Clock.systemUTC(), "instance-b")
          .withOthers(rowsB.others());
      rowsA.publish(onA, modelA::rowsOf);
      rowsB.publish(onB, modelB::rowsOf);

      StatusView seenFromB = modelB.view(new StatusView.Query(null, null, null, null, 1));
      assertThat(seenFromB.rows()).extracting(StatusView.Row::key, StatusView.Row::verdict, StatusView.Row::owner)
          .containsExactly(Tuple.tuple("9001:ETHUSDT:LONG", "MISSING", "instance-a"),
              Tuple.tuple("9002:ETHUSDT:LONG", "PROTECTED", "instance-b"));
      assertThat(seenFromB.header().bare()).isEqualTo(1);
      assertThat(seenFromB.header().protectedCount()).isEqualTo(1);

      // Instance a restores 9001 and 9001 opens a second position: b's page follows after a's next publish.
      onA.set(0, new AccountSnapshot("9001", "bg_x****", false, "live", Instant.now(), null,
          List.of(account("9001", "ETHUSDT", false).verdicts().get(0), account("9001", "SOLUSDT", true).verdicts().get(0))));
      rowsA.publish(onA, modelA::rowsOf);
      clock.advance(Duration.ofMillis(FleetRows.READ_CACHE_MS + 1)); // past b's read cache
      assertThat(modelB.frame().rows(new StatusView.Query("9001", null, null, null, 1)))
          .extracting(StatusView.Row::key, StatusView.Row::verdict)
          .containsExactlyInAnyOrder(Tuple.tuple("9001:ETHUSDT:LONG", "PROTECTED"),
              Tuple.tuple("9001:SOLUSDT:LONG", "MISSING"));

      // The account's positions are closed: its rows go from every page.
      onA.set(0, new AccountSnapshot("9001", "bg_x****", false, "live", Instant.now(), null, List.of()));
      rowsA.publish(onA, modelA::rowsOf);
      clock.advance(Duration.ofMillis(FleetRows.READ_CACHE_MS + 1)); // past b's read cache
      assertThat(modelB.frame().rows(new StatusView.Query(null, null, null, null, 1))).extracting(StatusView.Row::key)
          .containsExactly("9002:ETHUSDT:LONG");
    }
  }

  /**
   * The shared database is not trusted as markup or protocol: a row another "instance" wrote with an
   * SSE frame in its event name gets its name derived here, and a CR in any text cannot end an event.
   * Row ids are injective: user ids that differ only in '.', '_', '-' or '@' never share a row.
   */
  @Test
  void nothingFromTheSharedDatabaseOrTheExchangeIsTrustedAsProtocol() throws Exception {
    String pg = PgServer.newDatabase();
    Database db = Database.parse(pg, Map.of());
    SecretBox box = SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key"));
    try (Store b = Store.open(db, box)) {
      StatusView.Row forged = new StatusView.Row("9001:ETHUSDT:LONG", "x\n\nevent: header\ndata: <a href=//evil>login</a>", "9001",
          "ETHUSDT", "LONG", "1", "1", "1", "1", "—", "—", "—", "—", "—", false, "PROTECTED", "", false, "WebSocket", "now",
          "instance-evil", "");
      Map<String, Map<String, String>> rows = Map.of("9001", Map.of(forged.key(),
          new ObjectMapper().writeValueAsString(forged)));
      b.positionStatus().replace("instance-evil", rows, Instant.now());
      FleetRows rowsB = new FleetRows(b, "instance-b", Clock.systemUTC());
      StatusView.Row read = rowsB.others().get().getFirst();
      assertThat(read.eventName()).isEqualTo(StatusView.Row.eventNameOf("9001:ETHUSDT:LONG")).matches("[A-Za-z0-9_-]+");
    }
    String frame = StatusPage.event("r-x\nevent: header", "<td>mark_price\rdata: <a>phish</a>\r\nevent: header</td>");
    assertThat(frame.lines().filter(l -> l.startsWith("event:")).toList()).containsExactly("event: r-xeventheader");
    assertThat(frame.split("\r\n|\r|\n", -1)).allMatch(l -> l.isEmpty() || l.startsWith("data: ") || l.startsWith("event: "));
    assertThat(StatusView.Row.eventNameOf("john.doe@corp.com:BTCUSDT:LONG"))
        .isNotEqualTo(StatusView.Row.eventNameOf("john_doe@corp.com:BTCUSDT:LONG"))
        .isNotEqualTo(StatusView.Row.eventNameOf("john-doe@corp.com:BTCUSDT:LONG"));
  }
}
