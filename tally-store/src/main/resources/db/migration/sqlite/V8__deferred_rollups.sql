-- Every rollup grain and the latency histogram are now written behind the acknowledging transactions
-- (DeferredRollups), not only minute rows. A start-up after a crash rebuilds what was pending from the events after
-- the watermark, so each event keeps the buckets it was given at ingestion: the customer's zone and billing day may
-- have changed since. The minute bucket is not stored: it is the timestamp cut to the minute in every zone.
ALTER TABLE events ADD COLUMN hour_ms INTEGER;
ALTER TABLE events ADD COLUMN day_ms INTEGER;
ALTER TABLE events ADD COLUMN month_ms INTEGER;

-- In a store written before, the hour, day and month rows and the latency cells include every event; the minute
-- rows include the events up to minute_rollups_through_seq, and the first open after this migration folds in the
-- rest and removes that setting.
INSERT INTO settings (name, value)
SELECT 'rollups_through_seq', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events;
