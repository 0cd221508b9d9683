-- Alerts (issue 4). One row per alert that fired; state moves active -> acknowledged -> resolved, never back.
-- dedup_key is (customer, kind, limit, threshold, period) joined; the partial unique index allows at most one open
-- (not resolved) alert per key, so an INSERT ... ON CONFLICT DO NOTHING is an atomic "fire unless already open" even
-- with several writers. percent is an exact decimal string. Times are epoch milliseconds.
CREATE TABLE alerts (
    id              TEXT    NOT NULL PRIMARY KEY,
    dedup_key       TEXT    NOT NULL,
    customer_id     TEXT,
    kind            TEXT    NOT NULL,
    limit_name      TEXT,
    threshold       INTEGER,
    percent         TEXT,
    message         TEXT    NOT NULL,
    period          TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    created_ms      BIGINT  NOT NULL,
    updated_ms      BIGINT  NOT NULL,
    acknowledged_by TEXT,
    acknowledged_ms BIGINT,
    resolved_by     TEXT,
    resolved_ms     BIGINT
);

CREATE UNIQUE INDEX alerts_open_key ON alerts (dedup_key) WHERE state <> 'resolved';

-- The list, newest first, overall and per customer; open alerts for self-resolution.
CREATE INDEX alerts_created ON alerts (created_ms, id);
CREATE INDEX alerts_customer_created ON alerts (customer_id, created_ms, id);
CREATE INDEX alerts_open ON alerts (state) WHERE state <> 'resolved';
