package io.stopguard.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The PostgreSQL side of {@link Store}: a small HikariCP pool, and PostgreSQL's errors said in one
 * line an operator can act on. Kept apart so that SQLite users never load HikariCP or the driver.
 */
final class Postgres {
  private Postgres() {}

  static DataSource pool(Database db) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(db.jdbcUrl());
    c.setUsername(db.user());
    if (db.password() != null) c.setPassword(db.password());
    c.setPoolName("stopguard");
    // The store serialises its calls (one connection in use at a time); a second one covers a
    // replacement while the broken one is being closed; a third is a fleet member's lease
    // connection (Store.leasesOnOwnConnection).
    c.setMaximumPoolSize(3);
    c.setMinimumIdle(1);
    c.setConnectionTimeout(5_000); // a refused or unreachable server fails the command in seconds, not 30
    c.setInitializationFailTimeout(1); // and fails at open, with PostgreSQL's reason
    c.setValidationTimeout(2_000);
    // TEXT times and INTEGER flags as in SQLite: let the server type string parameters by their column.
    c.addDataSourceProperty("stringtype", "unspecified");
    c.addDataSourceProperty("ApplicationName", "stopguard");
    c.addDataSourceProperty("connectTimeout", "5");
    c.addDataSourceProperty("socketTimeout", "30");
    // Server-side bounds for every session (the lease connection sets tighter ones of its own). A host
    // that vanished mid-transaction leaves its session "idle in transaction" holding row locks until
    // TCP keepalive gives up, about 2 h: the server ends such a transaction after 15 s (nothing of
    // stopguard's waits on the network inside one). A statement waits for a lock 10 s at most, so a
    // look blocked by someone else's lock fails, says so and tries again, instead of hanging.
    c.addDataSourceProperty("options", "-c idle_in_transaction_session_timeout=15000 -c lock_timeout=10000");
    try {
      return new HikariDataSource(c);
    } catch (RuntimeException e) {
      throw new StoreException("cannot open database " + db + ": " + explain(e), e);
    }
  }


  static void close(DataSource pool) {
    if (pool instanceof HikariDataSource h) h.close();
  }

  /** PostgreSQL's reason in one line: the innermost SQL error's first line, with what it means. */
  static String explain(Throwable e) {
    SQLException sql = null;
    for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof SQLException s) sql = s;
    String msg = sql != null ? sql.getMessage() : e.getMessage();
    String first = msg == null ? e.getClass().getSimpleName() : msg.lines().findFirst().orElse("").strip();
    String state = sql == null ? null : sql.getSQLState();
    if (state == null) return first;
    return switch (state) {
      case "28P01", "28000" -> first + " (wrong user or password: the URL, PGPASSWORD or ~/.pgpass)";
      case "3D000" -> first + " (create it: createdb, see docs/POSTGRESQL.md)";
      // 08001 also carries SSL and authentication refusals: name what was refused, not "is it running?"
      case "08001", "08004", "08006" -> first.toLowerCase(Locale.ROOT).contains("ssl")
          ? first + " (SSL: compare the URL's sslmode with the server's ssl setting and pg_hba.conf)"
          : first.toLowerCase(Locale.ROOT).contains("password") || first.toLowerCase(Locale.ROOT).contains("authentication")
              ? first + " (wrong user or password: the URL, PGPASSWORD or ~/.pgpass)"
              : first + " (is PostgreSQL running and listening there?)";
      default -> first;
    };
  }
}
