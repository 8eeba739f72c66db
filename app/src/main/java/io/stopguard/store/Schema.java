package io.stopguard.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.LoggerFactory;

/**
 * The schema version this binary was built for, and the check made on every open. Flyway (and its
 * few hundred classes) is loaded only when the database is behind: an up-to-date database costs one
 * query, which keeps one-off commands such as {@code flags} quick. A database written by a newer
 * stopguard is refused rather than used, so an old binary never writes rows a newer schema means
 * differently.
 */
final class Schema {
  /**
   * The highest {@code V<n>__*.sql} under {@code db/migration}, as {@code db/migration/LATEST} says
   * (read, not compiled in, so that a build's migrations and its version are one set of resources;
   * {@code SchemaTest} keeps the file and the migrations in step).
   */
  static final int LATEST = latest();

  private static int latest() {
    try (InputStream in = Schema.class.getResourceAsStream("/db/migration/LATEST")) {
      if (in == null) throw new IllegalStateException("db/migration/LATEST is missing from this build");
      return Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("db/migration/LATEST cannot be read: " + e.getMessage(), e);
    }
  }

  private Schema() {}

  /** What a database holds: the highest successfully applied version, or 0; {@code clean} is false after a failed migration. */
  record Applied(int version, boolean clean) {}

  static Applied applied(Connection c) {
    int max = 0;
    boolean clean = true;
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT version, success FROM flyway_schema_history WHERE version IS NOT NULL")) {
      while (rs.next()) {
        if (!rs.getBoolean(2)) {
          clean = false;
          continue;
        }
        max = Math.max(max, major(rs.getString(1)));
      }
    } catch (SQLException e) {
      return new Applied(0, true); // no history table yet: a new, empty database
    }
    return new Applied(max, clean);
  }

  /** Brings the database up to {@link #LATEST}; a no-op (and no Flyway) when it already is. */
  /** @param vendor {@code sqlite} or {@code postgresql}: the folder of that database's own migrations */
  static void ensure(DataSource ds, String where, String vendor) throws SQLException {
    Applied a;
    try (Connection c = ds.getConnection()) {
      a = applied(c);
    }
    if (a.version() > LATEST) {
      int readableFrom = readableFrom(ds);
      if (readableFrom > 0 && readableFrom <= LATEST) {
        // A rolling upgrade: a newer stopguard migrated the shared database, and this one may still run
        // on it until its host is upgraded. Never migrated backwards; said at every start.
        LoggerFactory.getLogger(Schema.class).warn("{} has schema version {}, newer than this stopguard's ({}), and"
            + " says stopguards from schema {} on may run on it: running; upgrade this host", where, a.version(), LATEST,
            readableFrom);
        return;
      }
      throw new StoreException(where + " has schema version " + a.version() + ", newer than this stopguard understands ("
          + LATEST + ")" + (readableFrom > LATEST ? ", and needs a stopguard of schema " + readableFrom + " or later" : "")
          + ": it was written by a newer stopguard. Run that version (or upgrade this one); nothing was changed.", null);
    }
    if (a.version() < LATEST || !a.clean()) Migrations.run(ds, where, vendor);
  }

  /** {@code store_meta.readable_from}, or 0 when the database does not say. */
  private static int readableFrom(DataSource ds) {
    try (Connection c = ds.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT value FROM store_meta WHERE name = 'readable_from'")) {
      return rs.next() ? Integer.parseInt(rs.getString(1).trim()) : 0;
    } catch (SQLException | NumberFormatException e) {
      return 0;
    }
  }

  private static int major(String version) {
    int dot = version.indexOf('.');
    try {
      return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Flyway lives behind this class so that loading {@link Schema} does not load Flyway. */
  private static final class Migrations {
    static void run(DataSource ds, String where, String vendor) {
      try {
        // Shared migrations, and those whose SQL differs per database (db/migration/README.md).
        Flyway.configure().dataSource(ds).locations("classpath:db/migration/common", "classpath:db/migration/" + vendor)
            .load().migrate();
      } catch (FlywayException e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        throw new StoreException("cannot open database " + where + ": " + (nl < 0 ? m : m.substring(0, nl)), e);
      }
    }
  }
}
