package io.stopguard.cli;

import java.nio.file.Path;

/** The real sqlite3 CLI for tests in other packages. */
public final class TestSql {
  private TestSql() {}

  public static String query(Path db, String sql) throws Exception {
    return Sqlite3.query(db, sql);
  }
}
