-- Alerts wait here until Telegram takes them: a check never waits for Telegram, and an alert
-- that cannot be delivered now is sent later, in order, per chat. Dropped ones are counted.
CREATE TABLE alert_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  chat_id         TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  text            TEXT    NOT NULL,
  created_at      TEXT    NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT    NOT NULL,
  sent_at         TEXT,
  dropped_at      TEXT,
  last_error      TEXT
);
CREATE INDEX alert_outbox_pending ON alert_outbox (chat_id, id) WHERE sent_at IS NULL AND dropped_at IS NULL;
