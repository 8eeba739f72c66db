package io.stopguard.store;

import java.time.Instant;
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
    store.sql.update("queue an alert",
        "INSERT INTO alert_outbox (chat_id, kind, text, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)",
        chatId, kind, text, now.toString(), now.toString());
  }

  /** Pending messages, oldest first. */
  public List<Message> pending() {
    return store.sql.query("read the alert outbox", """
        SELECT id, chat_id, kind, text, created_at, attempts, next_attempt_at FROM alert_outbox
        WHERE sent_at IS NULL AND dropped_at IS NULL ORDER BY id""",
        rs -> new Message(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
            Instant.parse(rs.getString(5)), rs.getInt(6), Instant.parse(rs.getString(7))));
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
    return store.sql.first("count alerts", "SELECT count(*) FROM alert_outbox WHERE " + where, rs -> rs.getLong(1)).orElse(0L);
  }

  public long queued() {
    return count("sent_at IS NULL AND dropped_at IS NULL");
  }

  /** The oldest alert still waiting: when it was queued, and why its last attempt failed (null if none was made). */
  public record Waiting(Instant since, String lastError) {}

  /** The oldest alert still waiting, if any waits. */
  public Optional<Waiting> oldestWaiting() {
    return store.sql.first("read the alert outbox",
        "SELECT created_at, last_error FROM alert_outbox WHERE sent_at IS NULL AND dropped_at IS NULL ORDER BY id LIMIT 1",
        rs -> new Waiting(Instant.parse(rs.getString(1)), rs.getString(2)));
  }

  public long droppedTotal() {
    return count("dropped_at IS NOT NULL");
  }

  public long sentTotal() {
    return count("sent_at IS NOT NULL");
  }

  private void exec(String sql, Object... args) {
    store.sql.update("update the alert outbox", sql, args);
  }
}
