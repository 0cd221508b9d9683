-- Rollups are now written behind the acknowledging transactions (QueuedRollups): an append commits its events and
-- a row here per customer naming them, and a roller on any node later adds those events to the rollup tables and
-- deletes the rows in one transaction. Readers add the events named here to what the rollup tables hold.
CREATE TABLE rollup_pending (
    id          BIGINT   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id TEXT     NOT NULL,
    -- The seq of each new event of the customer in the append.
    seqs        BIGINT[] NOT NULL,
    -- The largest sum among those events' rollup increments, for the overflow check of later appends.
    largest     BIGINT   NOT NULL,
    created_ms  BIGINT   NOT NULL
);

-- A read of one customer's usage adds only that customer's queued events.
CREATE INDEX rollup_pending_customer ON rollup_pending (customer_id);
-- The few rows with large increments (above 2^40), which the overflow check of every append adds up; the others
-- are bounded by their count (see QueuedRollups).
CREATE INDEX rollup_pending_large ON rollup_pending (largest) WHERE largest > 1099511627776;

-- Each event keeps the buckets it was given at ingestion, so that the roller sums it exactly as ingestion did (the
-- customer's zone and billing day may change in between). The minute bucket is the timestamp cut to the minute.
-- No default: PostgreSQL adds the columns without rewriting the table.
ALTER TABLE events ADD COLUMN hour_ms BIGINT;
ALTER TABLE events ADD COLUMN day_ms BIGINT;
ALTER TABLE events ADD COLUMN month_ms BIGINT;

-- An upper bound of every sum in the rollup tables, kept by the roller: appends compare it (plus the largest
-- increments still pending) with the largest a bigint holds.
INSERT INTO settings (name, value)
SELECT 'rollup_sum_bound', CAST(GREATEST(
           COALESCE(MAX(requests), 0), COALESCE(MAX(errors), 0), COALESCE(MAX(status_2xx), 0),
           COALESCE(MAX(status_3xx), 0), COALESCE(MAX(status_4xx), 0), COALESCE(MAX(status_5xx), 0),
           COALESCE(MAX(cost_nanos), 0), COALESCE(MAX(unpriced), 0), COALESCE(MAX(latency_sum_ms), 0),
           COALESCE(MAX(latency_count), 0), COALESCE(MAX(input_tokens_micros), 0),
           COALESCE(MAX(output_tokens_micros), 0), COALESCE(MAX(cached_tokens_micros), 0),
           (SELECT COALESCE(MAX(quantity_micros), 0) FROM usage_rollup_metric)) AS TEXT)
FROM usage_rollup
ON CONFLICT (name) DO NOTHING;
