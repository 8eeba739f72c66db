package io.stopguard.store;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code position_status} table: each account's positions as its guarding instance last saw
 * them, so the status page of any instance of a fleet shows every account. Obtain from
 * {@link Store#positionStatus()}.
 */
public final class PositionStatus {
  private final Store store;

  PositionStatus(Store store) {
    this.store = store;
  }

  /** One stored row: whose, which instance wrote it, the page's row as JSON, when. */
  public record Stored(String userId, String positionKey, String owner, String rowJson, Instant writtenAt) {}

  /** Replaces the rows of each given account with these (an account with no rows now: its rows go). */
  public void replace(String owner, Map<String, Map<String, String>> rowsByUser, Instant now) {
    if (rowsByUser.isEmpty()) return;
    store.inTransaction(() -> store.sql.work("write position status", c -> {
      try (PreparedStatement del = c.prepareStatement("DELETE FROM position_status WHERE user_id = ?");
          PreparedStatement ins = c.prepareStatement(
              // Upsert: at a hand-over the giver's last publish can race the taker's first; both delete,
              // both insert, and a plain INSERT loses the race with a unique-key error (seen under the fleet nemesis).
              "INSERT INTO position_status (user_id, position_key, owner, row_json, written_at) VALUES (?, ?, ?, ?, ?)"
                  + " ON CONFLICT (user_id, position_key) DO UPDATE SET owner = excluded.owner, row_json = excluded.row_json,"
                  + " written_at = excluded.written_at")) {
        TreeMap<String, Map<String, String>> sorted = new TreeMap<>(rowsByUser);
        if (store.database().isPostgres()) {
          // Two instances writing one account's rows at once (the giver's last publish, the taker's
          // first) deadlocked between their deletes and inserts; a lock per account for the rest of
          // this transaction, taken in one order everywhere, makes them wait for each other instead.
          try (PreparedStatement lock = c.prepareStatement(
              "SELECT pg_advisory_xact_lock(hashtextextended('position_status ' || ?, 0))")) {
            for (String user : sorted.keySet()) {
              lock.setString(1, user);
              lock.execute();
            }
          }
        }
        for (var account : sorted.entrySet()) {
          del.setString(1, account.getKey());
          del.addBatch();
          for (var row : new TreeMap<>(account.getValue()).entrySet()) {
            ins.setString(1, account.getKey());
            ins.setString(2, row.getKey());
            ins.setString(3, owner);
            ins.setString(4, row.getValue());
            ins.setString(5, now.toString());
            ins.addBatch();
          }
        }
        del.executeBatch();
        ins.executeBatch();
      }
      return null;
    }));
  }

  /** Every stored row not written by {@code owner}. */
  public List<Stored> others(String owner) {
    return store.sql.query("read position status",
        "SELECT user_id, position_key, owner, row_json, written_at FROM position_status WHERE owner <> ?",
        rs -> new Stored(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), Instant.parse(rs.getString(5))), owner);
  }
}
