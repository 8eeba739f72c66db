package io.stopguard.store;

import java.time.Instant;
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
    store.sql.update("record a flapping position", "INSERT INTO flapping (user_id, symbol, hold_side, since, episodes,"
        + " last_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, exchange_name, symbol, hold_side) DO UPDATE SET"
        + " episodes = flapping.episodes + 1, last_at = excluded.last_at", userId, symbol, holdSide, now.toString(), episodes,
        now.toString());
  }

  public void settled(Flap f) {
    store.sql.update("settle a flapping position", "DELETE FROM flapping WHERE user_id = ? AND symbol = ? AND hold_side = ?",
        f.userId(), f.symbol(), f.holdSide());
  }

  private List<Flap> flaps(String where, String... args) {
    return store.sql.query("read flapping positions",
        "SELECT user_id, symbol, hold_side, since, episodes, last_at FROM flapping " + where + " ORDER BY since",
        rs -> new Flap(rs.getString(1), rs.getString(2), rs.getString(3), Instant.parse(rs.getString(4)), rs.getInt(5),
            Instant.parse(rs.getString(6))), (Object[]) args);
  }
}
