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
