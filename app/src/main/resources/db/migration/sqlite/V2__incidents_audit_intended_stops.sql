-- One row per unprotected episode of a position: from detection to restore or resolution.
-- Times are ISO-8601 UTC text. state: open | restoring | restored | resolved | failed.
CREATE TABLE incidents (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id       TEXT    NOT NULL,
  exchange_name TEXT    NOT NULL DEFAULT 'bitget',
  symbol        TEXT    NOT NULL,
  hold_side     TEXT    NOT NULL CHECK (hold_side IN ('LONG', 'SHORT')),
  verdict       TEXT    NOT NULL,
  detail        TEXT,
  state         TEXT    NOT NULL DEFAULT 'open',
  detected_at   TEXT    NOT NULL,
  alerted_at    TEXT,
  last_alert_at TEXT,
  restoring_at  TEXT,
  restored_at   TEXT,
  resolved_at   TEXT,
  resolution    TEXT,
  restored_by   TEXT,
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  logged_at     TEXT
);
-- At most one open incident per position.
CREATE UNIQUE INDEX incidents_open ON incidents (user_id, exchange_name, symbol, hold_side)
  WHERE state IN ('open', 'restoring');

-- Every order stopguard placed, modified or cancelled, and by whom (cli:<os user>, watch, api).
CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         TEXT NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  symbol     TEXT,
  hold_side  TEXT,
  plan_type  TEXT,
  trigger_price TEXT,
  size       TEXT,
  order_id   TEXT,
  client_oid TEXT,
  result     TEXT NOT NULL,
  detail     TEXT
);
CREATE INDEX audit_log_user ON audit_log (user_id, at);

-- The stop a trader meant for a position; restore planning prefers it over the policy's default.
CREATE TABLE intended_stops (
  user_id    TEXT NOT NULL,
  symbol     TEXT NOT NULL,
  hold_side  TEXT NOT NULL CHECK (hold_side IN ('LONG', 'SHORT')),
  stop_price TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (user_id, symbol, hold_side)
);
