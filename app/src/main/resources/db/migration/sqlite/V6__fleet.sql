-- The fleet's tables (see ../postgresql/V6__fleet.sql). The fleet needs a shared PostgreSQL store;
-- on SQLite (one host) they stay empty, and exist so both schemas keep one version line.
CREATE TABLE fleet_instances (
  instance_id  TEXT    PRIMARY KEY,
  host         TEXT    NOT NULL,
  source_ip    TEXT,
  listen       TEXT,
  started_at   TEXT    NOT NULL,
  heartbeat_at TEXT    NOT NULL,
  accounts     INTEGER NOT NULL DEFAULT 0,
  websockets   INTEGER NOT NULL DEFAULT 0,
  requests_per_minute INTEGER NOT NULL DEFAULT 0,
  request_budget      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE account_leases (
  user_id    TEXT    PRIMARY KEY,
  owner      TEXT,
  epoch      INTEGER NOT NULL DEFAULT 0,
  expires_at TEXT
);
CREATE INDEX account_leases_owner ON account_leases (owner);
