-- CloudEvents ingestion: an event keeps its CloudEvents source, type and other attributes, and idempotency becomes
-- (event_id, ce_source). A plain event has the source '' (a CloudEvent's source is never empty), so a CloudEvent's id
-- never collides with a plain event's id, and the same id from two sources is two events.
--
-- SQLite cannot drop the UNIQUE (event_id) constraint in place: the table is rebuilt, keeping every seq (the rowid,
-- which the rollup watermark in settings refers to).
CREATE TABLE events_v9 (
    seq                 INTEGER PRIMARY KEY,
    event_id            TEXT    NOT NULL,
    ce_source           TEXT    NOT NULL DEFAULT '',
    customer_id         TEXT    NOT NULL,
    ts_ms               INTEGER NOT NULL,
    received_ms         INTEGER NOT NULL,
    provider            TEXT,
    model               TEXT,
    endpoint            TEXT,
    method              TEXT,
    status              INTEGER,
    latency_ms          INTEGER,
    user_id             TEXT,
    usage               TEXT    NOT NULL,
    cost_nanos          INTEGER NOT NULL,
    cost_override_nanos INTEGER,
    unpriced_metrics    TEXT,
    reservation         TEXT,
    metadata            TEXT,
    hour_ms             INTEGER,
    day_ms              INTEGER,
    month_ms            INTEGER,
    -- The CloudEvents type, and dataschema and extension attributes as a JSON object; NULL for plain events.
    ce_type             TEXT,
    ce_attributes       TEXT,
    CONSTRAINT events_event_key UNIQUE (event_id, ce_source)
) STRICT;

INSERT INTO events_v9 (seq, event_id, customer_id, ts_ms, received_ms, provider, model, endpoint, method, status,
                       latency_ms, user_id, usage, cost_nanos, cost_override_nanos, unpriced_metrics, reservation,
                       metadata, hour_ms, day_ms, month_ms)
SELECT seq, event_id, customer_id, ts_ms, received_ms, provider, model, endpoint, method, status,
       latency_ms, user_id, usage, cost_nanos, cost_override_nanos, unpriced_metrics, reservation,
       metadata, hour_ms, day_ms, month_ms
FROM events;

DROP TABLE events;
ALTER TABLE events_v9 RENAME TO events;
CREATE INDEX events_customer_ts ON events (customer_id, ts_ms);
