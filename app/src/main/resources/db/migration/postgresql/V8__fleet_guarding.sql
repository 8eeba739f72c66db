-- undecryptable: accounts an instance cannot decrypt the keys of (another master key); an instance
-- that cannot decrypt most of them takes no fair share, so the others take what it cannot guard.
-- held_not_guarded: accounts it has held for a round or more that its watcher does not guard.
-- Additive: a stopguard at V7 ignores the new columns and table.
ALTER TABLE fleet_instances ADD COLUMN undecryptable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fleet_instances ADD COLUMN held_not_guarded INTEGER NOT NULL DEFAULT 0;
-- unable: why this instance cannot guard any account now (Bitget has not answered it for a lease
-- TTL), or NULL; such an instance holds nothing and takes no fair share.
ALTER TABLE fleet_instances ADD COLUMN unable TEXT;

-- Fleet-wide locks (alert delivery) as leases on the database's clock, like the accounts': a
-- holder that vanishes without closing its session (power, partition, VM freeze) loses its lock
-- when the lease expires, not when the server's TCP keepalive gives up (about 2 h by default).
CREATE TABLE fleet_locks (
  name       TEXT PRIMARY KEY,
  owner      TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
