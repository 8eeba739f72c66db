-- oid_generation: which clientOid a restore of this incident uses next. It moves on only when
-- Bitget refuses the current one as a duplicate while no live order carries it (the stop it
-- placed was cancelled or triggered): a spent clientOid must never lock a position out.
ALTER TABLE incidents ADD COLUMN oid_generation INTEGER NOT NULL DEFAULT 0;
-- escalated_at: when restore was declared failing (attempts or time without a confirmed stop).
ALTER TABLE incidents ADD COLUMN escalated_at TEXT;
