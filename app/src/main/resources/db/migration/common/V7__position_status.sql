-- What the last look at each account saw, one row per position, for the status page: on a shared
-- PostgreSQL store any watch instance shows the whole fleet from here. Written by the instance that
-- guards the account (an account's rows are replaced together), when something but the mark price
-- changed and at least once a minute; row_json is the page's row (io.stopguard.status.StatusView.Row).
CREATE TABLE position_status (
  user_id      TEXT NOT NULL,
  position_key TEXT NOT NULL,
  owner        TEXT NOT NULL,
  row_json     TEXT NOT NULL,
  written_at   TEXT NOT NULL,
  PRIMARY KEY (user_id, position_key)
);

-- bare_since: when the position lost its stop, as far as the guard can tell: the time Bitget gave
-- the stop's cancel or trigger in the orders-algo push (bare_since_exact = 1), or else the last look
-- that still saw it protected (an upper bound of the time to detect, bare_since_exact = 0).
ALTER TABLE incidents ADD COLUMN bare_since TEXT;
ALTER TABLE incidents ADD COLUMN bare_since_exact INTEGER NOT NULL DEFAULT 0;
