-- Where an intended stop came from ('place-stop': a person set it; 'observed': the watcher saw it
-- protect the position), when, and for which position (its opening time: a position closed and
-- reopened does not inherit the old stop). Rows from before keep NULLs: they apply as before.
ALTER TABLE intended_stops ADD COLUMN source TEXT;
ALTER TABLE intended_stops ADD COLUMN seen_at TEXT;
ALTER TABLE intended_stops ADD COLUMN position_ctime TEXT;
