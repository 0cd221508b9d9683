-- Minute rollups are now written behind the acknowledging transactions (DeferredMinuteRollups). The watermark says
-- which events the stored minute rows include; in a store written before, they include every event.
INSERT INTO settings (name, value)
SELECT 'minute_rollups_through_seq', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events;
