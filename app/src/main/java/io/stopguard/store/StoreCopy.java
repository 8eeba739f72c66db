package io.stopguard.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
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
    synchronized (from) {
      synchronized (to) {
        to.inTransaction(() -> {
          for (Table t : TABLES) copyTable(from, to, t);
        });
        for (Table t : TABLES) counts.add(new Counted(t.name(), count(from, t.name()), count(to, t.name())));
      }
    }
    return counts;
  }

  private static void copyTable(Store from, Store to, Table t) {
    try (Statement st = from.connection().createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + t.name())) {
      ResultSetMetaData md = rs.getMetaData();
      List<String> cols = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) cols.add(md.getColumnName(i).toLowerCase(Locale.ROOT));
      List<String> updates = cols.stream().filter(c -> !t.key().contains(c)).map(c -> c + " = excluded." + c).toList();
      String sql = "INSERT INTO " + t.name() + " (" + String.join(", ", cols) + ") VALUES ("
          + String.join(", ", cols.stream().map(c -> "?").toList()) + ") ON CONFLICT (" + String.join(", ", t.key())
          + ") DO " + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", updates));
      try (PreparedStatement ins = to.connection().prepareStatement(sql)) {
        while (rs.next()) {
          for (int i = 1; i <= cols.size(); i++) {
            Object v = rs.getObject(i);
            ins.setObject(i, v instanceof Boolean b ? (b ? 1 : 0) : v);
          }
          ins.executeUpdate();
        }
      }
      if (t.identity() && to.database().isPostgres()) {
        // Ids were written explicitly: move the identity past them, or the next insert collides.
        try (Statement s = to.connection().createStatement()) {
          s.execute("SELECT setval(pg_get_serial_sequence('" + t.name() + "', 'id'), GREATEST((SELECT max(id) FROM "
              + t.name() + "), 1), (SELECT max(id) IS NOT NULL FROM " + t.name() + "))");
        }
      }
    } catch (SQLException e) {
      throw to.fail("copy table " + t.name(), e);
    }
  }

  private static long count(Store s, String table) {
    try (Statement st = s.connection().createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw s.fail("count " + table, e);
    }
  }
}
