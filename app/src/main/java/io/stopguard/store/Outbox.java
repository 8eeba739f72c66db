package io.stopguard.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code alert_outbox} table: alerts waiting for delivery, in order per chat. */
public final class Outbox {
  /** A message waiting to be sent. */
  public record Message(long id, String chatId, String kind, String text, Instant createdAt, int attempts,
      Instant nextAttemptAt) {}

  private final Store store;

  Outbox(Store store) {
    this.store = store;
  }

  public void enqueue(String chatId, String kind, String text, Instant now) {
    synchronized (store) { // the store owns its one connection; see Store
      try (PreparedStatement st = store.connection().prepareStatement(
          "INSERT INTO alert_outbox (chat_id, kind, text, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)")) {
        st.setString(1, chatId);
        st.setString(2, kind);
        st.setString(3, text);
        st.setString(4, now.toString());
        st.setString(5, now.toString());
        st.executeUpdate();
      } catch (SQLException e) {
        throw store.fail("queue an alert", e);
      }
    }
  }

  /** Pending messages, oldest first. */
  public List<Message> pending() {
    synchronized (store) { // the store owns its one connection; see Store
      List<Message> out = new ArrayList<>();
      try (PreparedStatement st = store.connection().prepareStatement("""
          SELECT id, chat_id, kind, text, created_at, attempts, next_attempt_at FROM alert_outbox
          WHERE sent_at IS NULL AND dropped_at IS NULL ORDER BY id""");
          ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.add(new Message(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
              Instant.parse(rs.getString(5)), rs.getInt(6), Instant.parse(rs.getString(7))));
        }
      } catch (SQLException e) {
        throw store.fail("read the alert outbox", e);
      }
      return out;
    }
  }

  public void sent(long id, Instant now) {
    exec("UPDATE alert_outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?", now.toString(), id);
  }

  public void retryAt(long id, Instant next, String error) {
    exec("UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
        next.toString(), error, id);
  }

  public void dropped(long id, Instant now, String error) {
    exec("UPDATE alert_outbox SET dropped_at = ?, last_error = ? WHERE id = ?", now.toString(), error, id);
  }

  public long count(String where) {
    synchronized (store) { // the store owns its one connection; see Store
      try (PreparedStatement st = store.connection().prepareStatement("SELECT count(*) FROM alert_outbox WHERE " + where);
          ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      } catch (SQLException e) {
        throw store.fail("count alerts", e);
      }
    }
  }

  public long queued() {
    return count("sent_at IS NULL AND dropped_at IS NULL");
  }

  /** The oldest alert still waiting: when it was queued, and why its last attempt failed (null if none was made). */
  public record Waiting(Instant since, String lastError) {}

  /** The oldest alert still waiting, if any waits. */
  public Optional<Waiting> oldestWaiting() {
    synchronized (store) { // the store owns its one connection; see Store
      try (PreparedStatement st = store.connection().prepareStatement(
          "SELECT created_at, last_error FROM alert_outbox WHERE sent_at IS NULL AND dropped_at IS NULL ORDER BY id LIMIT 1");
          ResultSet rs = st.executeQuery()) {
        return rs.next() ? Optional.of(new Waiting(Instant.parse(rs.getString(1)), rs.getString(2)))
            : Optional.empty();
      } catch (SQLException e) {
        throw store.fail("read the alert outbox", e);
      }
    }
  }

  public long droppedTotal() {
    return count("dropped_at IS NOT NULL");
  }

  public long sentTotal() {
    return count("sent_at IS NOT NULL");
  }

  private void exec(String sql, Object... args) {
    synchronized (store) { // the store owns its one connection; see Store
      try (PreparedStatement st = store.connection().prepareStatement(sql)) {
        for (int i = 0; i < args.length; i++) st.setObject(i + 1, args[i]);
        st.executeUpdate();
      } catch (SQLException e) {
        throw store.fail("update the alert outbox", e);
      }
    }
  }
}
