-- The same columns as on PostgreSQL (the fleet runs on PostgreSQL only; SQLite keeps the schema's
-- shape so that `db copy` and the version number mean the same on both).
ALTER TABLE fleet_instances ADD COLUMN lease_expires_at TEXT;
ALTER TABLE fleet_instances ADD COLUMN positioned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fleet_instances ADD COLUMN polled_positioned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fleet_instances ADD COLUMN websocket_room INTEGER NOT NULL DEFAULT 0;
ALTER TABLE account_leases ADD COLUMN offered INTEGER NOT NULL DEFAULT 0;
CREATE VIEW lease_status AS
SELECT l.user_id, l.owner, l.epoch, l.offered,
       CASE WHEN l.owner IS NULL THEN l.expires_at ELSE coalesce(i.lease_expires_at, l.expires_at) END AS expires_at
FROM account_leases l LEFT JOIN fleet_instances i ON i.instance_id = l.owner;
