package io.stopguard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The store's behaviour, the same on SQLite and on a real PostgreSQL server. */
class StoreContractTest {
  @TempDir
  static Path dir;

  static Stream<String> databases() {
    return Stream.of("sqlite", "postgresql");
  }

  private static int n;

  private static Database fresh(String vendor) {
    return vendor.equals("sqlite") ? Database.sqlite(dir.resolve("t" + (++n) + ".db"))
        : Database.parse(PgServer.newDatabase(), Map.of());
  }

  private static Store open(Database db) {
    return Store.open(db, SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")));
  }

  @ParameterizedTest
  @MethodSource("databases")
  void keysAreStoredEncryptedDecryptedAndImportedIdempotently(String vendor) {
    try (Store s = open(fresh(vendor))) {
      s.keys().put("u1", "bitget", "bg_k1", "sec-1", "pass-1", false);
      assertThat(s.keys().putIfChanged("u1", "bitget", "bg_k1", "sec-1", "pass-1", false)).isEqualTo(Keys.Change.UNCHANGED);
      assertThat(s.keys().putIfChanged("u1", "bitget", "bg_k1", "sec-2", "pass-1", false)).isEqualTo(Keys.Change.UPDATED);
      assertThat(s.keys().putIfChanged("u2", "bitget", "bg_k2", "sec-3", "pass-3", true)).isEqualTo(Keys.Change.ADDED);
      ActiveKeys keys = s.keys().active("bitget");
      assertThat(keys.usable()).extracting(k -> k.userId() + ":" + k.credentials().secret() + ":" + k.demoTrading())
          .containsExactly("u1:sec-2:false", "u2:sec-3:true");
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void flagsIncidentsAndTheOutboxBehaveAlike(String vendor) {
    Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
    try (Store s = open(fresh(vendor))) {
      s.setFlag(Store.FLAG_STOPLOSS_MISSING, true, "stoploss_missing=[u1:BTCUSDT:LONG]");
      assertThat(s.flag(Store.FLAG_STOPLOSS_MISSING)).get().extracting(Flag::value).isEqualTo(1);
      s.setFlag(Store.FLAG_STOPLOSS_MISSING, false, "stoploss_missing=[]");
      assertThat(s.flag(Store.FLAG_STOPLOSS_MISSING)).get().extracting(Flag::value).isEqualTo(0);

      Incident i = s.incidents().open("u1", "BTCUSDT", "LONG", "MISSING", "no stop", t0);
      Incident j = s.incidents().open("u2", "ETHUSDT", "SHORT", "MISSING", "no stop", t0);
      assertThat(j.id()).isGreaterThan(i.id());
      assertThat(s.incidents().open()).extracting(Incident::key).containsExactly("u1:BTCUSDT:LONG", "u2:ETHUSDT:SHORT");
      // a second open incident of the same position is refused by the partial unique index, on both
      assertThatThrownBy(() -> s.incidents().open("u1", "BTCUSDT", "LONG", "MISSING", "again", t0))
          .isInstanceOf(StoreException.class);
      s.incidents().restored(i.id(), t0.plusSeconds(5), "guard", "placed");
      assertThat(s.incidents().byId(i.id())).get().extracting(Incident::state).isEqualTo("restored");

      s.outbox().enqueue("chat", "unprotected", "<b>one</b>", t0);
      s.outbox().enqueue("chat", "recovered", "two", t0.plusSeconds(1));
      assertThat(s.outbox().pending()).extracting(Outbox.Message::text).containsExactly("<b>one</b>", "two");
      s.outbox().sent(s.outbox().pending().get(0).id(), t0.plusSeconds(2));
      assertThat(s.outbox().sentTotal()).isEqualTo(1);

      s.flapping().episode("u1", "BTCUSDT", "LONG", 3, t0);
      s.flapping().episode("u1", "BTCUSDT", "LONG", 3, t0.plusSeconds(1));
      assertThat(s.flapping().get("u1", "BTCUSDT", "LONG")).get().extracting(Flap::episodes).isEqualTo(4);
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aTransactionIsAllOrNothing(String vendor) {
    try (Store s = open(fresh(vendor))) {
      assertThatThrownBy(() -> s.inTransaction(() -> {
        s.keys().put("u1", "bitget", "bg_k1", "sec-1", "pass-1", false);
        throw new IllegalStateException("row 2 is bad");
      })).hasMessage("row 2 is bad");
      assertThat(s.keys().active("bitget").usable()).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aDatabaseNewerThanTheBinaryIsRefused(String vendor) throws Exception {
    Database db = fresh(vendor);
    try (Store s = open(db)) {
      try (var st = s.connection().createStatement()) {
        st.executeUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
            + " installed_by, installed_on, execution_time, success) VALUES (99, '" + (Schema.LATEST + 1)
            + "', 'future', 'SQL', 'V99__future.sql', 0, 'x', CURRENT_TIMESTAMP, 0, " + (vendor.equals("sqlite") ? "1" : "true") + ")");
      }
    }
    // A newer schema that this binary may still run on (additive: a rolling upgrade's first host migrated it)
    try (Store s = open(db)) {
      assertThat(s.keys().list()).isEmpty();
    }
    // one this binary cannot live with: refused, nothing changed
    try (var c = db.isPostgres() ? DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())
        : DriverManager.getConnection("jdbc:sqlite:" + db.file());
        var st = c.createStatement()) {
      st.executeUpdate("UPDATE store_meta SET value = '" + (Schema.LATEST + 1) + "' WHERE name = 'readable_from'");
    }
    assertThatThrownBy(() -> open(db)).isInstanceOf(StoreException.class)
        .hasMessageContaining("schema version " + (Schema.LATEST + 1)).hasMessageContaining("newer than this stopguard")
        .hasMessageContaining("needs a stopguard of schema " + (Schema.LATEST + 1));
  }

  @ParameterizedTest
  @MethodSource("databases")
  void theRunbooksTablesAndColumnsAreTheSame(String vendor) throws Exception {
    try (Store s = open(fresh(vendor))) {
      s.setFlag(Store.FLAG_STOPLOSS_MISSING, true, "x");
      s.keys().put("556251171", "bitget", "bg_k1", "sec-1", "pass-1", false);
      try (var st = s.connection().createStatement();
          var rs = st.executeQuery("SELECT user_id, exchange_name, is_active FROM user_exchange_keys WHERE exchange_name='bitget'")) {
        assertThat(rs.next()).isTrue();
        assertThat(List.of(rs.getString(1), rs.getString(2), rs.getInt(3))).containsExactly("556251171", "bitget", 1);
      }
      try (var st = s.connection().createStatement();
          var rs = st.executeQuery("SELECT flag, value FROM risk_flags WHERE flag='bitget_stoploss_missing'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(2)).isEqualTo(1);
      }
    }
  }

  /**
   * At a hand-over the giver's last publish of an account's page rows races the taker's first (two
   * instances, two connections): neither may fail. Found by the fleet nemesis (a unique-key error).
   */
  @ParameterizedTest
  @MethodSource("databases")
  void twoInstancesPublishingOneAccountsRowsAtOnceBothSucceed(String vendor) throws Exception {
    Database db = fresh(vendor);
    try (Store a = open(db); Store b = open(db)) {
      CyclicBarrier start = new CyclicBarrier(2);
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      List<Thread> writers = new ArrayList<>();
      for (Store s : List.of(a, b)) {
        String owner = s == a ? "instance-a" : "instance-b";
        writers.add(Thread.ofPlatform().start(() -> {
          try {
            start.await();
            for (int i = 0; i < 150; i++) {
              s.positionStatus().replace(owner, Map.of("7001", Map.of("7001:BTCUSDT:LONG", "{\"i\":" + i + "}",
                  "7001:ETHUSDT:SHORT", "{}")), Instant.now());
            }
          } catch (Throwable t) {
            failures.add(t);
          }
        }));
      }
      for (Thread t : writers) t.join();
      assertThat(failures).isEmpty();
    }
  }
}
