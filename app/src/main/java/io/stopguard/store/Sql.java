package io.stopguard.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one way the store's tables are read and written. Every statement runs under its session's
 * lock (a store's connection is one and not thread-safe: the {@link Store}'s monitor), on its
 * connection, and an {@link SQLException} becomes a {@link StoreException} that says what could not
 * be done, through the session (which counts it, and replaces a lost connection). A fleet member's
 * lease rounds use the same idiom on a session of their own ({@link Store#leasesOnOwnConnection}).
 *
 * <p>Arguments are bound in order ({@link #bind}): pass times as ISO-8601 text and flags as 0/1, as
 * the schema stores them on both databases.
 */
final class Sql {
  /** Where statements run: which connection, under which lock, and how a failure is told. */
  interface Session extends AutoCloseable {
    Object lock();

    Connection connection() throws SQLException;

    StoreException fail(String what, SQLException e);

    @Override
    default void close() {}
  }

  /** Work on the session's connection. */
  @FunctionalInterface
  interface Work<T> {
    T on(Connection c) throws SQLException;
  }

  /** One row of a result as a value. */
  @FunctionalInterface
  interface Row<T> {
    T of(ResultSet rs) throws SQLException;
  }

  private final Session session;

  Sql(Session session) {
    this.session = session;
  }

  Session session() {
    return session;
  }

  /** Any work on the connection, under the lock; {@code what} names it in the error ("read keys"). */
  <T> T work(String what, Work<T> work) {
    synchronized (session.lock()) {
      try {
        return work.on(session.connection());
      } catch (SQLException e) {
        throw session.fail(what, e);
      }
    }
  }

  /** An INSERT, UPDATE or DELETE; the rows it changed. */
  int update(String what, String sql, Object... args) {
    return work(what, c -> {
      try (PreparedStatement st = c.prepareStatement(sql)) {
        bind(st, args);
        return st.executeUpdate();
      }
    });
  }

  /** Every row of a query, in its order. */
  <T> List<T> query(String what, String sql, Row<T> row, Object... args) {
    return work(what, c -> {
      try (PreparedStatement st = c.prepareStatement(sql)) {
        bind(st, args);
        List<T> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) out.add(row.of(rs));
        }
        return out;
      }
    });
  }

  /** The first row of a query, if any (and if its {@code row} is not null). */
  <T> Optional<T> first(String what, String sql, Row<T> row, Object... args) {
    List<T> rows = query(what, sql, row, args);
    return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.get(0));
  }

  /**
   * Binds in order. A null is bound as text: every nullable column the store writes is text, and
   * PostgreSQL cannot type an untyped null in {@code ? IS NULL}.
   */
  static void bind(PreparedStatement st, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      if (args[i] == null) st.setNull(i + 1, Types.VARCHAR);
      else st.setObject(i + 1, args[i]);
    }
  }
}
