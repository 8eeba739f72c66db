package io.stopguard.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code flapping} table: positions whose stop keeps disappearing (3 bare episodes within the
 * flap window). While a row is here, per-episode alerts are held back. Obtain from
 * {@link Store#flapping()}; every call holds the store's monitor (its one connection).
 */
public final class Flapping {
  private final Store store;

  Flapping(Store store) {
    this.store = store;
  }

  public Optional<Flap> get(String userId, String symbol, String holdSide) {
    return flaps("WHERE user_id = ? AND symbol = ? AND hold_side = ?", userId, symbol, holdSide).stream().findFirst();
  }

  public List<Flap> all() {
    return flaps("");
  }

  /** Records one more bare episode of a position (starting its flapping row with {@code episodes} if new). */
  public void episode(String userId, String symbol, String holdSide, int episodes, Instant now) {
    synchronized (store) {
      write(userId, symbol, holdSide, episodes, now);
    }
  }

  private void write(String userId, String symbol, String holdSide, int episodes, Instant now) {
    try (PreparedStatement st = store.connection().prepareStatement("INSERT INTO flapping (user_id, symbol, hold_side, since, episodes,"
        + " last_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, exchange_name, symbol, hold_side) DO UPDATE SET"
        + " episodes = flapping.episodes + 1, last_at = excluded.last_at")) {
      st.setString(1, userId);
      st.setString(2, symbol);
      st.setString(3, holdSide);
      st.setString(4, now.toString());
      st.setInt(5, episodes);
      st.setString(6, now.toString());
      st.executeUpdate();
    } catch (SQLException e) {
      throw store.fail("record a flapping position", e);
    }
  }

  public void settled(Flap f) {
    synchronized (store) {
      delete(f);
    }
  }

  private void delete(Flap f) {
    try (PreparedStatement st = store.connection().prepareStatement(
        "DELETE FROM flapping WHERE user_id = ? AND symbol = ? AND hold_side = ?")) {
      st.setString(1, f.userId());
      st.setString(2, f.symbol());
      st.setString(3, f.holdSide());
      st.executeUpdate();
    } catch (SQLException e) {
      throw store.fail("settle a flapping position", e);
    }
  }

  private List<Flap> flaps(String where, String... args) {
    synchronized (store) {
      return read(where, args);
    }
  }

  private List<Flap> read(String where, String... args) {
    List<Flap> out = new ArrayList<>();
    try (PreparedStatement st = store.connection().prepareStatement(
        "SELECT user_id, symbol, hold_side, since, episodes, last_at FROM flapping " + where + " ORDER BY since")) {
      for (int i = 0; i < args.length; i++) st.setString(i + 1, args[i]);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(new Flap(rs.getString(1), rs.getString(2), rs.getString(3), Instant.parse(rs.getString(4)), rs.getInt(5),
              Instant.parse(rs.getString(6))));
        }
      }
    } catch (SQLException e) {
      throw store.fail("read flapping positions", e);
    }
    return out;
  }
}
