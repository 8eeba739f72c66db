-- Which stopguard each fleet instance runs ("0.2.0 abc1234def"), for `stopguard fleet` during a
-- rolling upgrade.
ALTER TABLE fleet_instances ADD COLUMN version TEXT;
