package io.stopguard.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The {@code incidents} table. Obtain from {@link Store#incidents()}. */
public final class Incidents {
  private final Store store;

  Incidents(Store store) {
    this.store = store;
  }

  public List<Incident> open() {
    return query("WHERE state IN ('open', 'restoring') ORDER BY id");
  }

  public Optional<Incident> byId(long id) {
    return query("WHERE id = ?", id).stream().findFirst();
  }

  /** Incidents detected in [from, to), oldest first. */
  public List<Incident> detectedBetween(Instant from, Instant to) {
    return query("WHERE detected_at >= ? AND detected_at < ? ORDER BY id", from.toString(), to.toString());
  }

  /** How many incidents of one position were detected at or after {@code since}. */
  public int countDetectedSince(String userId, String symbol, String holdSide, Instant since) {
    return query("WHERE user_id = ? AND symbol = ? AND hold_side = ? AND detected_at >= ?", userId, symbol, holdSide,
        since.toString()).size();
  }

  /** Ended (restored / resolved / failed) but not yet written to docs/incident_log.md. */
  public List<Incident> endedNotLogged() {
    return query("WHERE state IN ('restored', 'resolved', 'failed') AND logged_at IS NULL ORDER BY id");
  }

  public Incident open(String userId, String symbol, String holdSide, String verdict, String detail, Instant now) {
    return store.sql.work("open an incident", c -> {
      store.sql.update("open an incident", """
          INSERT INTO incidents (user_id, symbol, hold_side, verdict, detail, state, detected_at)
          VALUES (?, ?, ?, ?, ?, 'open', ?)""", userId, symbol, holdSide, verdict, detail, now.toString());
      // The one open incident of this position (a partial unique index keeps it one): works on both databases.
      return query("WHERE user_id = ? AND symbol = ? AND hold_side = ? AND state IN ('open', 'restoring') ORDER BY id DESC",
          userId, symbol, holdSide).get(0);
    });
  }

  /**
   * When the position of the open incident lost its stop, if not known yet: {@code exact} when Bitget
   * said so (a push's time), else the last look that still saw it protected (an upper bound).
   */
  public void bareSince(String userId, String symbol, String holdSide, Instant since, boolean exact) {
    store.sql.update("record when a position lost its stop", """
        UPDATE incidents SET bare_since = ?, bare_since_exact = ?
        WHERE user_id = ? AND symbol = ? AND hold_side = ? AND state IN ('open', 'restoring') AND bare_since IS NULL""",
        since.toString(), exact ? 1 : 0, userId, symbol, holdSide);
  }

  private void update(long id, String setClause, Object... args) {
    Object[] all = new Object[args.length + 1];
    for (int i = 0; i < args.length; i++) all[i] = args[i] == null ? null : args[i].toString(); // times as ISO-8601 text
    all[args.length] = id;
    store.sql.update("update incident " + id, "UPDATE incidents SET " + setClause + " WHERE id = ?", all);
  }

  public void alerted(long id, Instant now) {
    update(id, "alerted_at = COALESCE(alerted_at, ?), last_alert_at = ?", now, now);
  }

  public void verdictChanged(long id, String verdict, String detail) {
    update(id, "verdict = ?, detail = ?", verdict, detail);
  }

  public void restoring(long id, Instant now) {
    update(id, "state = 'restoring', restoring_at = COALESCE(restoring_at, ?), attempts = attempts + 1", now);
  }

  public void restored(long id, Instant now, String by, String resolution) {
    update(id, "state = 'restored', restored_at = ?, restored_by = ?, resolution = ?", now, by, resolution);
  }

  public void resolved(long id, Instant now, String resolution) {
    update(id, "state = 'resolved', resolved_at = ?, resolution = ?", now, resolution);
  }


  /**
   * The incident's current clientOid is spent (Bitget knows it, no live order carries it): the
   * next restore attempt derives a fresh one. Written before that attempt's request leaves.
   */
  public void spendClientOid(long id, String error) {
    update(id, "oid_generation = oid_generation + 1, last_error = ?", error);
  }

  /** Restore declared failing: an operator must look. Only the first call sets the time. */
  public void escalated(long id, Instant now, String error) {
    update(id, "escalated_at = COALESCE(escalated_at, ?), last_error = ?", now, error);
  }

  public void error(long id, String error) {
    update(id, "last_error = ?", error);
  }

  public void logged(long id, Instant now) {
    update(id, "logged_at = ?", now);
  }

  private List<Incident> query(String where, Object... args) {
    return store.sql.query("read incidents", """
        SELECT id, user_id, symbol, hold_side, verdict, detail, state, detected_at, alerted_at, last_alert_at,
               restoring_at, restored_at, resolved_at, resolution, restored_by, attempts, last_error, logged_at,
               oid_generation, escalated_at, bare_since, bare_since_exact
        FROM incidents""" + " " + where,
        rs -> new Incident(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getString(6), rs.getString(7), instant(rs, 8), instant(rs, 9), instant(rs, 10), instant(rs, 11),
            instant(rs, 12), instant(rs, 13), rs.getString(14), rs.getString(15), rs.getInt(16), rs.getString(17),
            instant(rs, 18), rs.getInt(19), instant(rs, 20), instant(rs, 21), rs.getInt(22) == 1), args);
  }

  private static Instant instant(ResultSet rs, int col) throws SQLException {
    String s = rs.getString(col);
    return s == null ? null : Instant.parse(s);
  }
}
