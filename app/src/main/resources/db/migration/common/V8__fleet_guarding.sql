-- undecryptable: accounts an instance cannot decrypt the keys of (another master key); an instance
-- that cannot decrypt most of them takes no fair share, so the others take what it cannot guard.
-- held_not_guarded: accounts it has held for a round or more that its watcher does not guard.
-- Additive: a stopguard at V7 ignores both columns.
ALTER TABLE fleet_instances ADD COLUMN undecryptable INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fleet_instances ADD COLUMN held_not_guarded INTEGER NOT NULL DEFAULT 0;
