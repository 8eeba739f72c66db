package io.stopguard.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Copies every table of one store into another (SQLite to PostgreSQL or back): rows keep their ids,
 * keys stay encrypted as they are (the same master key opens them on the other side), and a row
 * already there is updated in place, so copying twice changes nothing. Runs in one transaction on
 * the target; afterwards the row counts of both sides must agree.
 */
public final class StoreCopy {
  private StoreCopy() {}

  /** A table and the columns of its primary key (what "the same row" means). */
  private record Table(String name, List<String> key, boolean identity) {}

  private static final List<Table> TABLES = List.of(
      new Table("user_exchange_keys", List.of("id"), true),
      new Table("risk_flags", List.of("flag"), false),
      new Table("incidents", List.of("id"), true),
      new Table("audit_log", List.of("id"), true),
      new Table("intended_stops", List.of("user_id", "symbol", "hold_side"), false),
      new Table("alert_outbox", List.of("id"), true),
      new Table("flapping", List.of("user_id", "exchange_name", "symbol", "hold_side"), false));

  /** Rows of one table: in the source, and in the target after the copy. */
  public record Counted(String table, long source, long target) {
    public boolean same() {
      return source == target;
    }
  }

  public static List<Counted> copy(Store from, Store to) {
    List<Counted> counts = new ArrayList<>();
    from.sql.work("copy the store", src -> to.sql.work("copy the store", dst -> { // both monitors, source first
      to.inTransaction(() -> {
        for (Table t : TABLES) copyTable(from, to, t);
      });
      for (Table t : TABLES) counts.add(new Counted(t.name(), count(from, t.name()), count(to, t.name())));
      return null;
    }));
    return counts;
  }

  private static void copyTable(Store from, Store to, Table t) {
    from.sql.work("read table " + t.name(), src -> to.sql.work("copy table " + t.name(), dst -> {
      try (Statement st = src.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + t.name())) {
        ResultSetMetaData md = rs.getMetaData();
        List<String> cols = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) cols.add(md.getColumnName(i).toLowerCase(Locale.ROOT));
        List<String> updates = cols.stream().filter(c -> !t.key().contains(c)).map(c -> c + " = excluded." + c).toList();
        String sql = "INSERT INTO " + t.name() + " (" + String.join(", ", cols) + ") VALUES ("
            + String.join(", ", cols.stream().map(c -> "?").toList()) + ") ON CONFLICT (" + String.join(", ", t.key())
            + ") DO " + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", updates));
        try (PreparedStatement ins = dst.prepareStatement(sql)) {
          while (rs.next()) {
            for (int i = 1; i <= cols.size(); i++) {
              Object v = rs.getObject(i);
              ins.setObject(i, v instanceof Boolean b ? (b ? 1 : 0) : v);
            }
            ins.executeUpdate();
          }
        }
      }
      if (t.identity() && to.database().isPostgres()) {
        // Ids were written explicitly: move the identity past them, or the next insert collides.
        try (Statement s = dst.createStatement()) {
          s.execute("SELECT setval(pg_get_serial_sequence('" + t.name() + "', 'id'), GREATEST((SELECT max(id) FROM "
              + t.name() + "), 1), (SELECT max(id) IS NOT NULL FROM " + t.name() + "))");
        }
      }
      return null;
    }));
  }

  private static long count(Store s, String table) {
    return s.sql.first("count " + table, "SELECT count(*) FROM " + table, rs -> rs.getLong(1)).orElse(0L);
  }
}
