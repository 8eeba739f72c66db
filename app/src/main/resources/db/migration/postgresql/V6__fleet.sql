-- The fleet (docs/FLEET.md): watch instances sharing one PostgreSQL store, and who guards which account.
-- Times are the database's own (timestamptz, now()): a lease's expiry is never judged by a host's clock.
CREATE TABLE fleet_instances (
  instance_id  TEXT        PRIMARY KEY,
  host         TEXT        NOT NULL,
  source_ip    TEXT,
  listen       TEXT,
  started_at   TIMESTAMPTZ NOT NULL,
  heartbeat_at TIMESTAMPTZ NOT NULL,
  accounts     INTEGER     NOT NULL DEFAULT 0,
  websockets   INTEGER     NOT NULL DEFAULT 0,
  requests_per_minute INTEGER NOT NULL DEFAULT 0,  -- REST requests sent in the last minute
  request_budget      INTEGER NOT NULL DEFAULT 0   -- its per-IP share, requests a minute
);

-- One row per user with an active key. owner: the instance guarding it; epoch: raised by every
-- claim, the fencing token an instance shows when it acts; expires_at: renewed every few seconds.
CREATE TABLE account_leases (
  user_id    TEXT        PRIMARY KEY,
  owner      TEXT,
  epoch      BIGINT      NOT NULL DEFAULT 0,
  expires_at TIMESTAMPTZ
);
CREATE INDEX account_leases_owner ON account_leases (owner);
