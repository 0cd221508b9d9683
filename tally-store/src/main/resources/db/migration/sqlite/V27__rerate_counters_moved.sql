-- When an applied re-rating's moves of the enforcement counters were done (issue 16): they follow its switch, outside
-- its transaction, so a node killed in between leaves this NULL, and the next node to start rebuilds the shared
-- (Redis) counters from the store, which holds the re-rated sums, then sets it. Records applied before this version
-- are taken as moved: their nodes moved the counters unless killed at that instant, and a rebuild at the upgrade
-- would release every pending reservation.
ALTER TABLE reratings ADD COLUMN counters_moved_ms INTEGER;
UPDATE reratings SET counters_moved_ms = updated_ms WHERE state = 'applied';
