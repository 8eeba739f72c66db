package io.stopguard.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The {@code audit_log} (every order stopguard placed, modified or cancelled, and by whom) and the
 * {@code intended_stops} (the price an operator chose, which a restore keeps). Obtain from
 * {@link Store#journal()}; every call holds the store's monitor (its one connection).
 */
public final class Journal {
  private final Store store;

  Journal(Store store) {
    this.store = store;
  }

  /** Appends one row to the audit log: every order placed, modified or cancelled, and by whom. */
  public void audit(AuditEntry e) {
    audit(e, null);
  }

  /** An audit row with the time it happened ({@code at}; null: now), for a request recorded after the fact. */
  public void audit(AuditEntry e, Instant at) {
    store.sql.update("write the audit log", """
        INSERT INTO audit_log (at, actor, action, user_id, symbol, hold_side, plan_type, trigger_price, size,
                               order_id, client_oid, result, detail)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        at == null ? Store.now() : at.truncatedTo(ChronoUnit.SECONDS).toString(), e.actor(), e.action(), e.userId(),
        e.symbol(), e.holdSide(), e.planType(), e.triggerPrice(), e.size(), e.orderId(), e.clientOid(), e.result(), e.detail());
  }

  public List<AuditEntry> auditLog(String userId) {
    return auditLog(userId, null, null);
  }

  /** A user's audit rows written in [from, to] (to the second; either null: unbounded), oldest first. */
  public List<AuditEntry> auditLog(String userId, Instant from, Instant to) {
    String f = from == null ? null : from.truncatedTo(ChronoUnit.SECONDS).toString();
    String t = to == null ? null : to.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1).toString();
    return store.sql.query("read the audit log", """
        SELECT actor, action, user_id, symbol, hold_side, plan_type, trigger_price, size, order_id, client_oid, result, detail
        FROM audit_log WHERE user_id = ? AND (CAST(? AS TEXT) IS NULL OR at >= ?) AND (CAST(? AS TEXT) IS NULL OR at <= ?)
        ORDER BY id""",
        rs -> new AuditEntry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11),
            rs.getString(12)), userId, f, f, t, t);
  }

  /**
   * The stop a restore puts back: the last one a person set ({@code place-stop}) or the watcher saw
   * protect the position ({@code observed}), when, and for which position.
   */
  public record IntendedStop(BigDecimal price, String source, Instant seenAt) {
    public static final String PLACE_STOP = "place-stop";
    public static final String OBSERVED = "observed";

    /** For a restore's basis, the alert, the audit row and the page: which stop this is. */
    public String describe() {
      String when = seenAt == null ? "" : " at " + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
          .withZone(ZoneOffset.UTC).format(seenAt);
      return OBSERVED.equals(source) ? "the stop seen on the position" + when
          : PLACE_STOP.equals(source) ? "the stop set with place-stop" + when : "the intended stop recorded for this position";
    }
  }

  /**
   * The intended stop of this position: recorded for it ({@code positionCTime}, its opening time),
   * or before positions were told apart (no opening time recorded). A position closed and reopened
   * does not inherit the old one's stop.
   */
  public Optional<IntendedStop> intendedStop(String userId, String symbol, String holdSide, String positionCTime) {
    return store.sql.first("read intended stops",
        "SELECT stop_price, source, seen_at, position_ctime FROM intended_stops WHERE user_id = ? AND symbol = ? AND hold_side = ?",
        rs -> {
          String ctime = rs.getString(4);
          if (ctime != null && positionCTime != null && !ctime.equals(positionCTime)) return null; // another position
          return new IntendedStop(new BigDecimal(rs.getString(1)), rs.getString(2),
              rs.getString(3) == null ? null : Instant.parse(rs.getString(3)));
        }, userId, symbol, holdSide);
  }

  /** Records the position's intended stop: {@code source} {@link IntendedStop#PLACE_STOP} or {@link IntendedStop#OBSERVED}. */
  public void setIntendedStop(String userId, String symbol, String holdSide, BigDecimal price, String source,
      String positionCTime, Instant seenAt) {
    store.sql.update("write intended stops", """
        INSERT INTO intended_stops (user_id, symbol, hold_side, stop_price, updated_at, source, seen_at, position_ctime)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (user_id, symbol, hold_side) DO UPDATE SET stop_price = excluded.stop_price,
          updated_at = excluded.updated_at, source = excluded.source, seen_at = excluded.seen_at,
          position_ctime = excluded.position_ctime""",
        userId, symbol, holdSide, price.toPlainString(), Store.now(), source, seenAt.truncatedTo(ChronoUnit.SECONDS).toString(),
        positionCTime);
  }

  /** Whether the watcher placed an order with this clientOid for the user (an audit row says so). */
  public boolean placedByWatch(String userId, String clientOid) {
    return store.sql.first("read the audit log", """
        SELECT 1 FROM audit_log WHERE user_id = ? AND client_oid = ? AND actor = 'watch' AND action = 'place'
          AND result = 'ok' LIMIT 1""", rs -> true, userId, clientOid).isPresent();
  }

  /** The last restore placed by stopguard for a position since {@code since}: its actor, or empty. */
  public Optional<String> lastRestoreActor(String userId, String symbol, String holdSide, Instant since) {
    return store.sql.first("read the audit log", """
        SELECT actor FROM audit_log WHERE user_id = ? AND symbol = ? AND hold_side = ? AND result = 'ok'
          AND action IN ('place', 'modify') AND at >= ? ORDER BY id DESC LIMIT 1""",
        rs -> rs.getString(1), userId, symbol, holdSide, since.truncatedTo(ChronoUnit.SECONDS).toString());
  }
}
