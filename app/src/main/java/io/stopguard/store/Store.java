package io.stopguard.store;

import io.stopguard.bitget.Credentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The SQLite file {@code trading.db}: keys and risk flags. Created with mode 0600 and migrated by
 * Flyway when behind ({@link Schema}); plain {@code sqlite3} can read it while stopguard runs (WAL, busy timeout).
 *
 * <p>Thread-safe: one JDBC connection, guarded by this object's monitor (every public method here,
 * in {@link Incidents} and in {@link Outbox}). Callers never synchronise; a multi-step change that
 * must be all-or-nothing goes through {@link #inTransaction}, which holds the monitor throughout.
 */
public final class Store implements AutoCloseable {
  public static final String FLAG_STOPLOSS_MISSING = "bitget_stoploss_missing";

  private final Database db;
  private final SecretBox box;
  /** PostgreSQL only: HikariCP makes, validates and replaces the connection. */
  private final DataSource pool;
  /** The one connection in use (guarded by this object's monitor); replaced after a connection failure. */
  private Connection conn;

  private Store(Database db, DataSource pool, Connection conn, SecretBox box) {
    this.db = db;
    this.pool = pool;
    this.conn = conn;
    this.box = box;
  }

  /** The SQLite file (created 0600 if missing). */
  public static Store open(Path file, SecretBox box) {
    return open(Database.sqlite(file), box);
  }

  public static Store open(Database db, SecretBox box) {
    return db.isPostgres() ? openPostgres(db, box) : openSqlite(db, box);
  }

  private static Store openSqlite(Database db, SecretBox box) {
    Path file = db.file();
    try {
      Path abs = file.toAbsolutePath();
      Files.createDirectories(abs.getParent());
      if (!Files.exists(abs)) {
        Files.createFile(abs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
    } catch (IOException e) {
      throw new StoreException("cannot create database file " + file + ": " + e.getMessage(), e);
    }
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setBusyTimeout(5_000);
    cfg.enforceForeignKeys(true);
    SQLiteDataSource ds = new SQLiteDataSource(cfg);
    ds.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
    try {
      Schema.ensure(ds, file.toString(), Database.SQLITE);
      return new Store(db, null, ds.getConnection(), box);
    } catch (SQLException e) {
      throw new StoreException("cannot open database " + file + ": " + firstLine(e.getMessage()), e);
    }
  }

  private static Store openPostgres(Database db, SecretBox box) {
    DataSource pool = Postgres.pool(db);
    try {
      Schema.ensure(pool, db.display(), Database.POSTGRESQL);
      return new Store(db, pool, pool.getConnection(), box);
    } catch (SQLException | RuntimeException e) {
      Postgres.close(pool);
      if (e instanceof StoreException se) throw se;
      throw new StoreException("cannot open database " + db + ": " + Postgres.explain(e), e);
    }
  }

  /**
   * A lock that every process using this store sees: on PostgreSQL a session advisory lock (so two
   * hosts sharing the database cannot both hold it); on SQLite always granted, since the file lives
   * on one host and callers lock the home there ({@code guard.WatchLock}). Null if another holds it.
   */
  public ExclusiveLock tryExclusive(String name) {
    return db.isPostgres() ? Postgres.tryAdvisoryLock(db, name) : ExclusiveLock.LOCAL;
  }

  /** The highest schema version applied (see {@link Schema}). */
  public synchronized int schemaVersion() {
    try {
      return Schema.applied(connection()).version();
    } catch (SQLException e) {
      throw fail("read the schema version", e);
    }
  }

  /** Where the data lives, for messages: the SQLite path or the PostgreSQL URL without its password. */
  public String where() {
    return db.display();
  }

  public Database database() {
    return db;
  }

  /** The connection for this call (callers hold the monitor); a new one after a connection failure. */
  Connection connection() throws SQLException {
    if (conn == null) conn = pool.getConnection();
    return conn;
  }

  // ------------------------------------------------------------------ keys

  /** Adds a key, or replaces the secret of the same API key and reactivates it. */
  public synchronized void putKey(String userId, String exchange, String apiKey, String secret, String passphrase, boolean demo) {
    if (!box.hasKey()) {
      int sealed = countSealedKeys();
      if (sealed > 0) {
        throw new StoreException(db + " holds " + sealed + " encrypted key(s) but the master key is missing ("
            + box.whereMissing() + "). A new master key would leave them undecryptable: restore master.key from its"
            + " backup or set " + SecretBox.ENV + ", then try again.", null);
      }
    }
    String now = now();
    String ad = associatedData(exchange, apiKey);
    try (PreparedStatement st = connection().prepareStatement("""
        INSERT INTO user_exchange_keys (user_id, exchange_name, api_key, api_secret_enc, passphrase_enc,
                                        is_active, demo_trading, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
        ON CONFLICT (exchange_name, api_key) DO UPDATE SET
          user_id = excluded.user_id, api_secret_enc = excluded.api_secret_enc,
          passphrase_enc = excluded.passphrase_enc, is_active = 1,
          demo_trading = excluded.demo_trading, updated_at = excluded.updated_at
        """)) {
      st.setString(1, userId);
      st.setString(2, exchange);
      st.setString(3, apiKey);
      st.setString(4, box.seal(secret, ad + "|secret"));
      st.setString(5, box.seal(passphrase, ad + "|passphrase"));
      st.setInt(6, demo ? 1 : 0);
      st.setString(7, now);
      st.setString(8, now);
      st.executeUpdate();
    } catch (SQLException e) {
      throw fail("store the key", e);
    }
  }

  // ------------------------------------------------------------------ flapping positions: Flapping

  /** Positions whose stop keeps disappearing ({@code flapping}). */
  public Flapping flapping() {
    return new Flapping(this);
  }

  private int countSealedKeys() {
    try (PreparedStatement st = connection().prepareStatement("SELECT count(*) FROM user_exchange_keys");
        ResultSet rs = st.executeQuery()) {
      return rs.next() ? rs.getInt(1) : 0;
    } catch (SQLException e) {
      throw fail("count keys", e);
    }
  }

  /** What {@link #putKeyIfChanged} did. */
  public enum KeyChange { ADDED, UPDATED, UNCHANGED }

  /**
   * As {@link #putKey}, but leaves a row that already holds exactly this key (same user, demo flag,
   * secret and passphrase, active) untouched: importing the same list twice changes nothing.
   */
  public synchronized KeyChange putKeyIfChanged(String userId, String exchange, String apiKey, String secret,
      String passphrase, boolean demo) {
    String ad = associatedData(exchange, apiKey);
    try (PreparedStatement st = connection().prepareStatement("SELECT user_id, api_secret_enc, passphrase_enc, is_active,"
        + " demo_trading FROM user_exchange_keys WHERE exchange_name = ? AND api_key = ?")) {
      st.setString(1, exchange);
      st.setString(2, apiKey);
      try (ResultSet rs = st.executeQuery()) {
        if (rs.next()) {
          boolean same;
          try {
            same = rs.getString(1).equals(userId) && rs.getInt(4) == 1 && (rs.getInt(5) == 1) == demo
                && box.open(rs.getString(2), ad + "|secret").equals(secret)
                && box.open(rs.getString(3), ad + "|passphrase").equals(passphrase);
          } catch (RuntimeException undecryptable) { // a damaged row is replaced by the good one
            same = false;
          }
          if (same) return KeyChange.UNCHANGED;
          putKey(userId, exchange, apiKey, secret, passphrase, demo);
          return KeyChange.UPDATED;
        }
      }
    } catch (SQLException e) {
      throw fail("read a key", e);
    }
    putKey(userId, exchange, apiKey, secret, passphrase, demo);
    return KeyChange.ADDED;
  }

  /** Runs {@code work} in one transaction (bulk key imports: one fsync, not one per row). */
  public synchronized void inTransaction(Runnable work) {
    try {
      Connection c = connection();
      c.setAutoCommit(false);
      try {
        work.run();
        c.commit();
      } catch (RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw fail("run a transaction", e);
    }
  }

  /**
   * Every active key of one exchange, in a stable order: decrypted and checked, or set aside with
   * the reason it cannot be used (one bad row never hides the others).
   */
  public synchronized ActiveKeys activeKeys(String exchange) {
    List<ExchangeKey> usable = new ArrayList<>();
    List<UnusableKey> unusable = new ArrayList<>();
    try (PreparedStatement st = connection().prepareStatement("""
        SELECT id, user_id, api_key, api_secret_enc, passphrase_enc, demo_trading
        FROM user_exchange_keys WHERE exchange_name = ? AND is_active = 1 ORDER BY user_id, id""")) {
      st.setString(1, exchange);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          long id = rs.getLong("id");
          String userId = rs.getString("user_id");
          String apiKey = rs.getString("api_key");
          String masked = Credentials.maskKey(apiKey == null ? "" : apiKey);
          String ad = associatedData(exchange, apiKey);
          try {
            String keyProblem = Credentials.problem("API key", apiKey);
            if (keyProblem != null) throw new IllegalStateException(keyProblem);
            Credentials c = new Credentials(apiKey, box.open(rs.getString("api_secret_enc"), ad + "|secret"),
                box.open(rs.getString("passphrase_enc"), ad + "|passphrase"));
            String problem = c.problem();
            if (problem != null) throw new IllegalStateException(problem);
            usable.add(new ExchangeKey(id, userId, exchange, rs.getInt("demo_trading") == 1, c));
          } catch (RuntimeException e) { // messages of SecretBox and Credentials.problem never hold a secret
            unusable.add(new UnusableKey(id, userId, exchange, masked, e.getMessage()));
          }
        }
      }
    } catch (SQLException e) {
      throw fail("read keys", e);
    }
    return new ActiveKeys(usable, unusable);
  }

  /** Active keys of one exchange for one user only. */
  public synchronized ActiveKeys activeKeys(String exchange, String userId) {
    return activeKeys(exchange).ofUsers(userId::equals);
  }


  /**
   * Sets is_active on a user's keys of one exchange (all of them, or the one API key given).
   * Returns how many rows changed.
   */
  public synchronized int setKeysActive(String userId, String exchange, String apiKey, boolean active) {
    try (PreparedStatement st = connection().prepareStatement("""
        UPDATE user_exchange_keys SET is_active = ?, updated_at = ?
        WHERE user_id = ? AND exchange_name = ? AND (? IS NULL OR api_key = ?)""")) {
      st.setInt(1, active ? 1 : 0);
      st.setString(2, now());
      st.setString(3, userId);
      st.setString(4, exchange);
      st.setString(5, apiKey);
      st.setString(6, apiKey);
      return st.executeUpdate();
    } catch (SQLException e) {
      throw fail("update keys", e);
    }
  }

  public synchronized List<KeyRow> listKeys() {
    List<KeyRow> out = new ArrayList<>();
    try (PreparedStatement st = connection().prepareStatement("""
        SELECT id, user_id, exchange_name, api_key, is_active, demo_trading, created_at, updated_at
        FROM user_exchange_keys ORDER BY exchange_name, user_id, id""");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.add(new KeyRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5) == 1,
            rs.getInt(6) == 1, rs.getString(7), rs.getString(8)));
      }
    } catch (SQLException e) {
      throw fail("list keys", e);
    }
    return out;
  }

  // ------------------------------------------------------------------ flags

  public synchronized void setFlag(String flag, boolean value, String detail) {
    try (PreparedStatement st = connection().prepareStatement("""
        INSERT INTO risk_flags (flag, value, updated_at, detail) VALUES (?, ?, ?, ?)
        ON CONFLICT (flag) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
                                         detail = excluded.detail""")) {
      st.setString(1, flag);
      st.setInt(2, value ? 1 : 0);
      st.setString(3, now());
      st.setString(4, detail);
      st.executeUpdate();
    } catch (SQLException e) {
      throw fail("write risk flag " + flag, e);
    }
  }

  public synchronized Optional<Flag> flag(String flag) {
    try (PreparedStatement st = connection().prepareStatement("SELECT flag, value, updated_at, detail FROM risk_flags WHERE flag = ?")) {
      st.setString(1, flag);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? Optional.of(new Flag(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4)))
            : Optional.empty();
      }
    } catch (SQLException e) {
      throw fail("read risk flag " + flag, e);
    }
  }

  public synchronized List<Flag> flags() {
    List<Flag> out = new ArrayList<>();
    try (PreparedStatement st = connection().prepareStatement("SELECT flag, value, updated_at, detail FROM risk_flags ORDER BY flag");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) out.add(new Flag(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4)));
    } catch (SQLException e) {
      throw fail("read risk flags", e);
    }
    return out;
  }

  // ------------------------------------------------------------------ audit log and intended stops: Journal

  /** What was done to orders ({@code audit_log}) and what operators meant ({@code intended_stops}). */
  public Journal journal() {
    return new Journal(this);
  }

  public Incidents incidents() {
    return new Incidents(this);
  }

  public Outbox outbox() {
    return new Outbox(this);
  }

  /** Each account's positions as its guarding instance last saw them (the status page of a fleet). */
  public PositionStatus positionStatus() {
    return new PositionStatus(this);
  }

  /** The fleet's leases: PostgreSQL only (the fleet shares one database between hosts). */
  public Leases leases() {
    if (!db.isPostgres()) throw new StoreException("the fleet needs a PostgreSQL store (STOPGUARD_DB=postgresql://...), not " + db, null);
    return new Leases(this);
  }

  /** SQLite's PRAGMA integrity_check: "ok" or its first complaint; on PostgreSQL, "ok" if it answers. */
  public synchronized String integrityCheck() {
    String sql = db.isPostgres() ? "SELECT 'ok'" : "PRAGMA integrity_check";
    try (PreparedStatement st = connection().prepareStatement(sql); ResultSet rs = st.executeQuery()) {
      return rs.next() ? rs.getString(1) : "no answer";
    } catch (SQLException e) {
      throw fail("check integrity", e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      if (conn != null) conn.close();
    } catch (SQLException e) {
      throw fail("close", e);
    } finally {
      conn = null;
      if (pool != null) Postgres.close(pool);
    }
  }

  private static String associatedData(String exchange, String apiKey) {
    return exchange + "|" + apiKey;
  }

  /** UTC, second precision, ISO-8601: sorts as text and reads well in sqlite3. */
  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  StoreException fail(String what, SQLException e) {
    // A lost PostgreSQL connection: drop it, so the next call gets a fresh one from the pool.
    if (pool != null && conn != null && (e.getSQLState() == null || e.getSQLState().startsWith("08"))) {
      try {
        conn.close();
      } catch (SQLException ignored) {
        // already broken
      }
      conn = null;
    }
    return new StoreException("cannot " + what + " in " + db + ": "
        + (db.isPostgres() ? Postgres.explain(e) : firstLine(e.getMessage())), e);
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
