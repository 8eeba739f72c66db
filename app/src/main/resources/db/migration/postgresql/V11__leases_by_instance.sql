-- Leases renewed by instance (docs/FLEET.md "Database load"): a round renews one fleet_instances
-- row, not one account_leases row per account. An account is held while its owner's
-- lease_expires_at is in the future (the database's clock); a claim still raises the account's
-- epoch. account_leases.expires_at now says since when a free row is free (its release).
ALTER TABLE fleet_instances ADD COLUMN lease_expires_at TIMESTAMPTZ;
-- What balancing by positions needs to know: accounts with positions held by the instance, those
-- of them it can only poll (no WebSocket), and how many more private WebSockets it could open.
ALTER TABLE fleet_instances ADD COLUMN positioned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fleet_instances ADD COLUMN polled_positioned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fleet_instances ADD COLUMN websocket_room INTEGER NOT NULL DEFAULT 0;
-- A hand-off: the owner keeps guarding an offered account until another instance claims it.
-- 0 not offered; 1 offered to an instance under its fair share; 2 holds positions, offered to an
-- instance with WebSocket room under its share of positions; 3 holds positions polled for want of
-- a WebSocket, offered to any instance with WebSocket room.
ALTER TABLE account_leases ADD COLUMN offered SMALLINT NOT NULL DEFAULT 0;

-- Each account's lease as the old table said it: expires_at is the owner's lease, or for a free
-- row since when it is free. Operators' and tests' queries read this view.
CREATE VIEW lease_status AS
SELECT l.user_id, l.owner, l.epoch, l.offered,
       CASE WHEN l.owner IS NULL THEN l.expires_at ELSE coalesce(i.lease_expires_at, l.expires_at) END AS expires_at
FROM account_leases l LEFT JOIN fleet_instances i ON i.instance_id = l.owner;
