-- Tally schema for SQLite. Every table is STRICT, so a value of the wrong type is an error instead of a silent
-- conversion. Small keyed tables are WITHOUT ROWID (one B-tree instead of table plus key index). usage_rollup keeps its
-- rowid: measured through sqlite-jdbc, additive upserts of its wide rows ran faster in a rowid table.

-- The ledger: one row per accepted event, never updated. seq is the rowid: it grows with every insert, and is never
-- reused while any event is left, because retention removes the oldest events, never the newest. (AUTOINCREMENT would
-- also survive removing every event, but costs a write to sqlite_sequence per insert; nothing needs it then.)
CREATE TABLE events (
    seq                 INTEGER PRIMARY KEY,
    event_id            TEXT    NOT NULL,
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
    CONSTRAINT events_event_id_key UNIQUE (event_id)
) STRICT;

-- The event log of a customer, newest first. The index holds the rowid (seq) too, so it also serves the
-- (ts_ms DESC, seq DESC) order. No index on received_ms: retention binary-searches seq instead.
CREATE INDEX events_customer_ts ON events (customer_id, ts_ms);

-- Sums of events by customer, grain, bucket, provider, model and endpoint ('' when absent).
CREATE TABLE usage_rollup (
    customer_id     TEXT    NOT NULL,
    grain           TEXT    NOT NULL, -- minute, hour, day, month. No CHECK: SQLite evaluates it on every upsert.
    bucket_start_ms INTEGER NOT NULL,
    provider        TEXT    NOT NULL,
    model           TEXT    NOT NULL,
    endpoint        TEXT    NOT NULL,
    requests        INTEGER NOT NULL,
    errors          INTEGER NOT NULL,
    status_2xx      INTEGER NOT NULL,
    status_3xx      INTEGER NOT NULL,
    status_4xx      INTEGER NOT NULL,
    status_5xx      INTEGER NOT NULL,
    cost_nanos      INTEGER NOT NULL,
    unpriced        INTEGER NOT NULL,
    latency_sum_ms  INTEGER NOT NULL,
    latency_count   INTEGER NOT NULL,
    input_tokens_micros  INTEGER NOT NULL,
    output_tokens_micros INTEGER NOT NULL,
    cached_tokens_micros INTEGER NOT NULL,
    PRIMARY KEY (customer_id, grain, bucket_start_ms, provider, model, endpoint)
) STRICT;

-- All customers' rows of a grain over a time range (dashboards, rollup retention).
CREATE INDEX usage_rollup_grain_bucket ON usage_rollup (grain, bucket_start_ms);

-- The quantity of each other sent metric in a usage_rollup row, one row per metric. (The token parts are columns
-- of usage_rollup: nearly every event has them, and rows for them would triple the upserts of a batch.)
CREATE TABLE usage_rollup_metric (
    customer_id     TEXT    NOT NULL,
    grain           TEXT    NOT NULL,
    bucket_start_ms INTEGER NOT NULL,
    provider        TEXT    NOT NULL,
    model           TEXT    NOT NULL,
    endpoint        TEXT    NOT NULL,
    metric          TEXT    NOT NULL,
    quantity_micros INTEGER NOT NULL,
    PRIMARY KEY (customer_id, grain, bucket_start_ms, provider, model, endpoint, metric)
) STRICT, WITHOUT ROWID;

-- A customer's daily latency histogram: calls by LatencyBuckets index. Narrow rows: WITHOUT ROWID.
CREATE TABLE latency_rollup (
    customer_id  TEXT    NOT NULL,
    day_start_ms INTEGER NOT NULL,
    bucket       INTEGER NOT NULL,
    calls        INTEGER NOT NULL,
    PRIMARY KEY (customer_id, day_start_ms, bucket)
) STRICT, WITHOUT ROWID;

CREATE TABLE plans (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE customers (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    plan_id     TEXT,
    zone        TEXT    NOT NULL,
    billing_day INTEGER NOT NULL CHECK (billing_day BETWEEN 1 AND 31),
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
) STRICT;

-- The limits of a plan or a customer, in their order. amount is an exact decimal string, NULL for unlimited;
-- provider, model and endpoint are NULL when the limit does not filter on them; thresholds are percents, "50,80,100".
CREATE TABLE limits (
    owner_kind TEXT    NOT NULL CHECK (owner_kind IN ('plan', 'customer')),
    owner_id   TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    metric     TEXT    NOT NULL,
    win        TEXT    NOT NULL,
    amount     TEXT,
    mode       TEXT    NOT NULL,
    provider   TEXT,
    model      TEXT,
    endpoint   TEXT,
    thresholds TEXT    NOT NULL,
    PRIMARY KEY (owner_kind, owner_id, position)
) STRICT, WITHOUT ROWID;

-- List prices; model is '' for the provider's default. unit_price is an exact decimal string.
CREATE TABLE prices (
    provider          TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    metric            TEXT    NOT NULL,
    effective_from_ms INTEGER NOT NULL,
    unit_price        TEXT    NOT NULL,
    per               INTEGER NOT NULL,
    PRIMARY KEY (provider, model, metric, effective_from_ms)
) STRICT, WITHOUT ROWID;

CREATE TABLE api_keys (
    id          TEXT    PRIMARY KEY,
    customer_id TEXT    NOT NULL,
    hash        BLOB    NOT NULL,
    created_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER
) STRICT;

CREATE INDEX api_keys_customer ON api_keys (customer_id);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
