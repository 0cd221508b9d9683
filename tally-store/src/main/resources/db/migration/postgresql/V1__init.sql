-- Tally schema for PostgreSQL. Several servers may write at once: every write is an INSERT ... ON CONFLICT, so
-- concurrent writers never lose an increment and never store an event id twice.

-- The ledger: one row per accepted event, never updated.
CREATE TABLE events (
    seq                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id            TEXT    NOT NULL,
    customer_id         TEXT    NOT NULL,
    ts_ms               BIGINT  NOT NULL,
    received_ms         BIGINT  NOT NULL,
    provider            TEXT,
    model               TEXT,
    endpoint            TEXT,
    method              TEXT,
    status              INTEGER,
    latency_ms          BIGINT,
    user_id             TEXT,
    usage               TEXT    NOT NULL,
    cost_nanos          BIGINT  NOT NULL,
    cost_override_nanos BIGINT,
    unpriced_metrics    TEXT,
    reservation         TEXT,
    metadata            TEXT,
    CONSTRAINT events_event_id_key UNIQUE (event_id)
);

-- The event log of a customer, newest first by (ts_ms DESC, seq DESC). No index on received_ms: retention
-- binary-searches seq instead.
CREATE INDEX events_customer_ts ON events (customer_id, ts_ms, seq);

-- Sums of events by customer, grain, bucket, provider, model and endpoint ('' when absent). The counters are not
-- indexed and pages keep free room (fillfactor), so most upserts are HOT updates that touch no index.
CREATE TABLE usage_rollup (
    customer_id     TEXT     NOT NULL,
    grain           TEXT     NOT NULL CHECK (grain IN ('minute', 'hour', 'day', 'month')),
    bucket_start_ms BIGINT   NOT NULL,
    provider        TEXT     NOT NULL,
    model           TEXT     NOT NULL,
    endpoint        TEXT     NOT NULL,
    requests        BIGINT   NOT NULL,
    errors          BIGINT   NOT NULL,
    status_2xx      BIGINT   NOT NULL,
    status_3xx      BIGINT   NOT NULL,
    status_4xx      BIGINT   NOT NULL,
    status_5xx      BIGINT   NOT NULL,
    cost_nanos      BIGINT   NOT NULL,
    unpriced        BIGINT   NOT NULL,
    latency_sum_ms  BIGINT   NOT NULL,
    latency_count   BIGINT   NOT NULL,
    input_tokens_micros  BIGINT   NOT NULL,
    output_tokens_micros BIGINT   NOT NULL,
    cached_tokens_micros BIGINT   NOT NULL,
    PRIMARY KEY (customer_id, grain, bucket_start_ms, provider, model, endpoint)
) WITH (fillfactor = 80);

-- All customers' rows of a grain over a time range (dashboards, rollup retention).
CREATE INDEX usage_rollup_grain_bucket ON usage_rollup (grain, bucket_start_ms);

-- The quantity of each other sent metric in a usage_rollup row, one row per metric. (The token parts are columns
-- of usage_rollup: nearly every event has them, and rows for them would triple the upserts of a batch.)
CREATE TABLE usage_rollup_metric (
    customer_id     TEXT   NOT NULL,
    grain           TEXT   NOT NULL,
    bucket_start_ms BIGINT NOT NULL,
    provider        TEXT   NOT NULL,
    model           TEXT   NOT NULL,
    endpoint        TEXT   NOT NULL,
    metric          TEXT   NOT NULL,
    quantity_micros BIGINT NOT NULL,
    PRIMARY KEY (customer_id, grain, bucket_start_ms, provider, model, endpoint, metric)
) WITH (fillfactor = 80);

-- A customer's daily latency histogram: calls by LatencyBuckets index.
CREATE TABLE latency_rollup (
    customer_id  TEXT    NOT NULL,
    day_start_ms BIGINT  NOT NULL,
    bucket       INTEGER NOT NULL,
    calls        BIGINT  NOT NULL,
    PRIMARY KEY (customer_id, day_start_ms, bucket)
) WITH (fillfactor = 80);

CREATE TABLE plans (
    id         TEXT   PRIMARY KEY,
    name       TEXT   NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

CREATE TABLE customers (
    id          TEXT     PRIMARY KEY,
    name        TEXT     NOT NULL,
    plan_id     TEXT,
    zone        TEXT     NOT NULL,
    billing_day SMALLINT NOT NULL CHECK (billing_day BETWEEN 1 AND 31),
    created_ms  BIGINT   NOT NULL,
    updated_ms  BIGINT   NOT NULL
);

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
);

-- List prices; model is '' for the provider's default. unit_price is an exact decimal string.
CREATE TABLE prices (
    provider          TEXT   NOT NULL,
    model             TEXT   NOT NULL,
    metric            TEXT   NOT NULL,
    effective_from_ms BIGINT NOT NULL,
    unit_price        TEXT   NOT NULL,
    per               BIGINT NOT NULL,
    PRIMARY KEY (provider, model, metric, effective_from_ms)
);

CREATE TABLE api_keys (
    id          TEXT   PRIMARY KEY,
    customer_id TEXT   NOT NULL,
    hash        BYTEA  NOT NULL,
    created_ms  BIGINT NOT NULL,
    revoked_ms  BIGINT
);

CREATE INDEX api_keys_customer ON api_keys (customer_id);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
