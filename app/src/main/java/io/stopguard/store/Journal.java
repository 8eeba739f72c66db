package io.stopguard.store;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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
    synchronized (store) {
      auditLocked(e, at == null ? Store.now() : at.truncatedTo(ChronoUnit.SECONDS).toString());
    }
  }

  private void auditLocked(AuditEntry e, String at) {
    try (PreparedStatement st = store.connection().prepareStatement("""
        INSERT INTO audit_log (at, actor, action, user_id, symbol, hold_side, plan_type, trigger_price, size,
                               order_id, client_oid, result, detail)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
      st.setString(1, at);
      st.setString(2, e.actor());
      st.setString(3, e.action());
      st.setString(4, e.userId());
      st.setString(5, e.symbol());
      st.setString(6, e.holdSide());
      st.setString(7, e.planType());
      st.setString(8, e.triggerPrice());
      st.setString(9, e.size());
      st.setString(10, e.orderId());
      st.setString(11, e.clientOid());
      st.setString(12, e.result());
      st.setString(13, e.detail());
      st.executeUpdate();
    } catch (SQLException ex) {
      throw store.fail("write the audit log", ex);
    }
  }

  public List<AuditEntry> auditLog(String userId) {
    return auditLog(userId, null, null);
  }

  /** A user's audit rows written in [from, to] (to the second; either null: unbounded), oldest first. */
  public List<AuditEntry> auditLog(String userId, Instant from, Instant to) {
    synchronized (store) {
      return auditLogLocked(userId, from, to);
    }
  }

  private List<AuditEntry> auditLogLocked(String userId, Instant from, Instant to) {
    List<AuditEntry> out = new ArrayList<>();
    try (PreparedStatement st = store.connection().prepareStatement("""
        SELECT actor, action, user_id, symbol, hold_side, plan_type, trigger_price, size, order_id, client_oid, result, detail
        FROM audit_log WHERE user_id = ? AND (CAST(? AS TEXT) IS NULL OR at >= ?) AND (CAST(? AS TEXT) IS NULL OR at <= ?)
        ORDER BY id""")) {
      st.setString(1, userId);
      String f = from == null ? null : from.truncatedTo(ChronoUnit.SECONDS).toString();
      String t = to == null ? null : to.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1).toString();
      st.setString(2, f);
      st.setString(3, f);
      st.setString(4, t);
      st.setString(5, t);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(new AuditEntry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
              rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11),
              rs.getString(12)));
        }
      }
    } catch (SQLException e) {
      throw store.fail("read the audit log", e);
    }
    return out;
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
    synchronized (store) {
      try (PreparedStatement st = store.connection().prepareStatement(
          "SELECT stop_price, source, seen_at, position_ctime FROM intended_stops WHERE user_id = ? AND symbol = ? AND hold_side = ?")) {
        st.setString(1, userId);
        st.setString(2, symbol);
        st.setString(3, holdSide);
        try (ResultSet rs = st.executeQuery()) {
          if (!rs.next()) return Optional.empty();
          String ctime = rs.getString(4);
          if (ctime != null && positionCTime != null && !ctime.equals(positionCTime)) return Optional.empty(); // another position
          return Optional.of(new IntendedStop(new BigDecimal(rs.getString(1)), rs.getString(2),
              rs.getString(3) == null ? null : Instant.parse(rs.getString(3))));
        }
      } catch (SQLException e) {
        throw store.fail("read intended stops", e);
      }
    }
  }

  /** Records the position's intended stop: {@code source} {@link IntendedStop#PLACE_STOP} or {@link IntendedStop#OBSERVED}. */
  public void setIntendedStop(String userId, String symbol, String holdSide, BigDecimal price, String source,
      String positionCTime, Instant seenAt) {
    synchronized (store) {
      try (PreparedStatement st = store.connection().prepareStatement("""
          INSERT INTO intended_stops (user_id, symbol, hold_side, stop_price, updated_at, source, seen_at, position_ctime)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (user_id, symbol, hold_side) DO UPDATE SET stop_price = excluded.stop_price,
            updated_at = excluded.updated_at, source = excluded.source, seen_at = excluded.seen_at,
            position_ctime = excluded.position_ctime""")) {
        st.setString(1, userId);
        st.setString(2, symbol);
        st.setString(3, holdSide);
        st.setString(4, price.toPlainString());
        st.setString(5, Store.now());
        st.setString(6, source);
        st.setString(7, seenAt.truncatedTo(ChronoUnit.SECONDS).toString());
        st.setString(8, positionCTime);
        st.executeUpdate();
      } catch (SQLException e) {
        throw store.fail("write intended stops", e);
      }
    }
  }

  /** Whether the watcher placed an order with this clientOid for the user (an audit row says so). */
  public boolean placedByWatch(String userId, String clientOid) {
    synchronized (store) {
      try (PreparedStatement st = store.connection().prepareStatement("""
          SELECT 1 FROM audit_log WHERE user_id = ? AND client_oid = ? AND actor = 'watch' AND action = 'place'
            AND result = 'ok' LIMIT 1""")) {
        st.setString(1, userId);
        st.setString(2, clientOid);
        try (ResultSet rs = st.executeQuery()) {
          return rs.next();
        }
      } catch (SQLException e) {
        throw store.fail("read the audit log", e);
      }
    }
  }

  /** The last restore placed by stopguard for a position since {@code since}: its actor, or empty. */
  public Optional<String> lastRestoreActor(String userId, String symbol, String holdSide, Instant since) {
    synchronized (store) {
      return lastRestoreActorLocked(userId, symbol, holdSide, since);
    }
  }

  private Optional<String> lastRestoreActorLocked(String userId, String symbol, String holdSide, Instant since) {
    try (PreparedStatement st = store.connection().prepareStatement("""
        SELECT actor FROM audit_log WHERE user_id = ? AND symbol = ? AND hold_side = ? AND result = 'ok'
          AND action IN ('place', 'modify') AND at >= ? ORDER BY id DESC LIMIT 1""")) {
      st.setString(1, userId);
      st.setString(2, symbol);
      st.setString(3, holdSide);
      st.setString(4, since.truncatedTo(ChronoUnit.SECONDS).toString());
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw store.fail("read the audit log", e);
    }
  }
}
