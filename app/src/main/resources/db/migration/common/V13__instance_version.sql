-- Which stopguard each fleet instance runs ("0.2.0 abc1234def"), for `stopguard fleet` during a
-- rolling upgrade.
ALTER TABLE fleet_instances ADD COLUMN version TEXT;

-- Rolling upgrades (docs/FLEET.md "Upgrading a fleet"): the oldest schema whose stopguard may still run
-- on this database. A migration that older binaries cannot live with raises it to its own version;
-- additive ones (new columns, new tables) leave it. A binary whose schema is below the database's but
-- not below this value runs without migrating, saying so; below it, it refuses to start.
INSERT INTO store_meta (name, value) VALUES ('readable_from', '11') ON CONFLICT (name) DO NOTHING;
