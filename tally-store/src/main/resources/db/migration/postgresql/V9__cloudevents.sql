-- CloudEvents ingestion: an event keeps its CloudEvents source, type and other attributes, and idempotency becomes
-- (event_id, ce_source). A plain event has the source '' (a CloudEvent's source is never empty), so a CloudEvent's id
-- never collides with a plain event's id, and the same id from two sources is two events.

-- A constant default: PostgreSQL adds the column without rewriting the table.
ALTER TABLE events ADD COLUMN ce_source TEXT NOT NULL DEFAULT '';
-- The CloudEvents type, and dataschema and extension attributes as a JSON object; NULL for plain events.
ALTER TABLE events ADD COLUMN ce_type TEXT;
ALTER TABLE events ADD COLUMN ce_attributes TEXT;

ALTER TABLE events DROP CONSTRAINT events_event_id_key;
ALTER TABLE events ADD CONSTRAINT events_event_key UNIQUE (event_id, ce_source);
