package io.stopguard.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The SQLite file {@code trading.db} (or a PostgreSQL database): risk flags here, and a class per
 * table group — {@link Keys}, {@link Incidents}, {@link Journal}, {@link Outbox}, {@link Flapping},
 * {@link PositionStatus}, {@link Leases}. Created with mode 0600 and migrated by Flyway when behind
 * ({@link Schema}); plain {@code sqlite3} can read it while stopguard runs (WAL, busy timeout).
 *
 * <p>Thread-safe: one JDBC connection, guarded by this object's monitor (every public method here
 * and in the table classes). Callers never synchronise; a multi-step change that
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

  /** Every statement on the store's connection goes through here: its monitor, its connection, its failures. */
  final Sql sql = new Sql(new Sql.Session() {
    @Override
    public Object lock() {
      return Store.this;
    }

    @Override
    public Connection connection() throws SQLException {
      return Store.this.connection();
    }

    @Override
    public StoreException fail(String what, SQLException e) {
      return Store.this.fail(what, e);
    }
  });

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
    cfg.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MS);
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

  /** The highest schema version applied (see {@link Schema}). */
  public int schemaVersion() {
    return sql.work("read the schema version", c -> Schema.applied(c).version());
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
    if (conn == null) {
      conn = pool.getConnection();
      if (lockWaitSet) applyLockWait(conn); // the watcher's 2 s, on every connection it gets
    }
    return conn;
  }

  /** Keys.active: whether each sealed key value of users not loaded opens ("" yes, else why not). */
  volatile Map<String, String> decryptChecks = Map.of();

  /** A fact about the store ({@code store_meta}), or null. */
  public String meta(String name) {
    return sql.first("read store_meta", "SELECT value FROM store_meta WHERE name = ?", rs -> rs.getString(1), name).orElse(null);
  }

  void setMeta(String name, String value) {
    sql.update("write store_meta",
        "INSERT INTO store_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", name, value);
  }

  /** The exchange keys ({@code user_exchange_keys}): secrets sealed by the master key. */
  public Keys keys() {
    return new Keys(this);
  }

  SecretBox box() {
    return box;
  }

  // ------------------------------------------------------------------ flapping positions: Flapping

  /** Positions whose stop keeps disappearing ({@code flapping}). */
  public Flapping flapping() {
    return new Flapping(this);
  }

  /** Runs {@code work} in one transaction (bulk key imports: one fsync, not one per row). */
  public void inTransaction(Runnable work) {
    inTransaction(work, null);
  }

  /**
   * The same, waiting at most {@code lockWait} for a lock another session holds (PostgreSQL's
   * {@code lock_timeout} for this transaction; SQLite refuses a write under another process's
   * lock at once): the watcher's looks, which must not queue behind a lock for long.
   */
  public synchronized void inTransaction(Runnable work, Duration lockWait) {
    long started = System.nanoTime();
    transactionSinceNanos = started;
    boolean sqliteWait = lockWait != null && !db.isPostgres();
    try {
      Connection c = connection();
      if (sqliteWait) setBusyTimeout(c, lockWait.toMillis()); // SQLite waits this long for another process's lock
      c.setAutoCommit(false);
      try {
        if (lockWait != null && db.isPostgres()) {
          try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL lock_timeout = '" + Math.max(1, lockWait.toMillis()) + "ms'");
          }
        }
        work.run();
        c.commit();
      } catch (RuntimeException | SQLException e) {
        // The cause is what failed first (a lock held by another process, a full disk): a rollback
        // that then fails too ("no transaction is active") must not replace it in the message.
        try {
          c.rollback();
        } catch (SQLException r) {
          e.addSuppressed(r);
        }
        throw e;
      } finally {
        try {
          c.setAutoCommit(true);
          if (sqliteWait) setBusyTimeout(c, busyTimeoutMs);
        } catch (SQLException ignored) {
          // a broken connection is replaced on the next call
        }
      }
    } catch (SQLException e) {
      failing(started, e);
      throw fail("run a transaction", e);
    } catch (RuntimeException e) {
      failing(started, e);
      throw e;
    } finally {
      transactionSinceNanos = 0;
    }
  }

  static final int SQLITE_BUSY_TIMEOUT_MS = 5_000;
  /** How long a statement waits for another process's lock on SQLite (see {@link #lockWait}). */
  private volatile long busyTimeoutMs = SQLITE_BUSY_TIMEOUT_MS;

  /**
   * Every statement of this store waits at most {@code wait} for a lock another process holds
   * (SQLite's busy timeout): the watcher's, so that an audit row or an incident's update never holds
   * the store's monitor, and with it every look, for 5 s behind a lock held elsewhere.
   */
  public synchronized void lockWait(Duration wait) {
    busyTimeoutMs = wait.toMillis();
    lockWaitSet = true;
    try {
      applyLockWait(connection());
    } catch (SQLException e) {
      throw fail("set the lock wait", e);
    }
  }

  private volatile boolean lockWaitSet;

  /** SQLite's busy timeout, or PostgreSQL's session lock_timeout (a replaced connection gets it again). */
  private void applyLockWait(Connection c) throws SQLException {
    if (!db.isPostgres()) {
      setBusyTimeout(c, busyTimeoutMs);
      return;
    }
    try (Statement st = c.createStatement()) {
      st.execute("SET lock_timeout = '" + Math.max(1, busyTimeoutMs) + "ms'");
    }
  }

  private static void setBusyTimeout(Connection c, long ms) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA busy_timeout = " + Math.max(1, ms));
    }
  }

  /** When the transaction in progress began (0: none): one that waits on a lock is a store not answering. */
  private volatile long transactionSinceNanos;

  private volatile long writesFailingSinceNanos;
  private volatile long lastWriteFailureNanos;
  private volatile String lastWriteFailure;
  /** Failures this far apart are one stretch: a read-only transaction committing meanwhile proves nothing about writes. */
  private static final long FAILURES_APART_NANOS = TimeUnit.SECONDS.toNanos(5);

  /**
   * A transaction begun at {@code started} failed: the store has been failing since then (it waited
   * all along). It continues the run of failures if it began within 5 s of the last one ending: a
   * transaction that waits out a lock (SQLite's busy timeout, PostgreSQL's lock_timeout) ends long
   * after it began.
   */
  private void failing(long started, Exception e) {
    long now = System.nanoTime();
    if (writesFailingSinceNanos == 0 || started - lastWriteFailureNanos > FAILURES_APART_NANOS) writesFailingSinceNanos = started;
    else writesFailingSinceNanos = Math.min(writesFailingSinceNanos, started); // a transaction whose statement failed first
    lastWriteFailureNanos = now;
    lastWriteFailure = e.getMessage();
  }

  /**
   * How long transactions have been failing: since the first of a run of failures no more than 5 s
   * apart, while the last is under 5 s old (0 otherwise). SQLite refuses a write at once, without
   * waiting, when another process holds the write lock and the transaction read first, so the
   * failures of a lock held for a minute come as a run, with read-only commits between them.
   */
  public long writesFailingForMs() {
    long since = writesFailingSinceNanos;
    long tx = transactionSinceNanos;
    long now = System.nanoTime();
    // a run of failures goes on while the next attempt is still waiting (it began within 5 s of the last failure)
    boolean running = since != 0 && (now - lastWriteFailureNanos <= FAILURES_APART_NANOS
        || tx != 0 && tx - lastWriteFailureNanos <= FAILURES_APART_NANOS);
    long run = running ? now - since : 0;
    long waiting = tx == 0 ? 0 : now - tx; // a transaction in progress this long is waiting on something
    return Math.max(run, waiting > TRANSACTION_SLOW_NANOS ? waiting : 0) / 1_000_000;
  }

  /** A transaction in progress longer than this counts as the store not answering (normal ones take milliseconds). */
  private static final long TRANSACTION_SLOW_NANOS = TimeUnit.SECONDS.toNanos(2);

  public String lastWriteFailure() {
    return lastWriteFailure;
  }

  // ------------------------------------------------------------------ flags

  public void setFlag(String flag, boolean value, String detail) {
    sql.update("write risk flag " + flag, """
        INSERT INTO risk_flags (flag, value, updated_at, detail) VALUES (?, ?, ?, ?)
        ON CONFLICT (flag) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
                                         detail = excluded.detail""", flag, value ? 1 : 0, now(), detail);
  }

  private static final Sql.Row<Flag> FLAG = rs -> new Flag(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4));

  public Optional<Flag> flag(String flag) {
    return sql.first("read risk flag " + flag, "SELECT flag, value, updated_at, detail FROM risk_flags WHERE flag = ?", FLAG, flag);
  }

  public List<Flag> flags() {
    return sql.query("read risk flags", "SELECT flag, value, updated_at, detail FROM risk_flags ORDER BY flag", FLAG);
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

  /**
   * The fleet's leases on a PostgreSQL connection of their own (close it when done): a lock of their
   * own instead of the store's monitor, and every statement bounded on the server by
   * {@code statement_timeout} and {@code lock_timeout} ({@code timeout}), an open transaction by
   * {@code idle_in_transaction_session_timeout}. A fleet member's renewals then never wait behind a
   * look's writes, a status publish or a held table lock for longer than {@code timeout}, which is
   * kept below its self-fence margin.
   */
  public Leases leasesOnOwnConnection(Duration timeout) {
    leases(); // PostgreSQL only: the same refusal as leases()
    long ms = Math.max(100, timeout.toMillis());
    return new Leases(new Sql.Session() {
      private final Object lock = new Object();
      private Connection own;

      @Override
      public Object lock() {
        return lock;
      }

      @Override
      public Connection connection() throws SQLException {
        if (own == null) {
          Connection c = pool.getConnection();
          try (Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = " + ms + "; SET lock_timeout = " + ms
                + "; SET idle_in_transaction_session_timeout = " + Math.max(1000, 2 * ms));
          } catch (SQLException e) {
            c.close();
            throw e;
          }
          own = c;
        }
        return own;
      }

      @Override
      public StoreException fail(String what, SQLException e) {
        // A timeout leaves the session usable; anything else (a lost connection) gets a new one next time.
        String state = e.getSQLState();
        if (own != null && !"57014".equals(state) && !"55P03".equals(state)) {
          try {
            own.close();
          } catch (SQLException ignored) {
            // already broken
          }
          own = null;
        }
        return new StoreException("cannot " + what + " in " + db + ": " + Postgres.explain(e), e);
      }

      @Override
      public void close() {
        synchronized (lock) {
          if (own == null) return;
          try {
            own.close();
          } catch (SQLException ignored) {
            // already broken
          }
          own = null;
        }
      }
    });
  }

  /** SQLite's PRAGMA integrity_check: "ok" or its first complaint; on PostgreSQL, "ok" if it answers. */
  public String integrityCheck() {
    return sql.first("check integrity", db.isPostgres() ? "SELECT 'ok'" : "PRAGMA integrity_check", rs -> rs.getString(1))
        .orElse("no answer");
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

  static String associatedData(String exchange, String apiKey) {
    return exchange + "|" + apiKey;
  }

  /** UTC, second precision, ISO-8601: sorts as text and reads well in sqlite3. */
  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  StoreException fail(String what, SQLException e) {
    // A statement outside a transaction (an audit row, an incident's error) that finds the store
    // locked, full or gone is the store not answering too: it counts in the run of failures /health
    // reads (a constraint refused is not: SQL state 23…).
    if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) failing(System.nanoTime(), e);
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
