-- Re-ratings applied atomically (issue 16). A re-rating's record is stored first as 'staging'; its pages stage the
-- changed events and the differences they make to the sums in the two tables below, which no reader looks at; one
-- transaction then applies them all and marks the record 'applied'. A failure or a crash before that leaves the
-- record 'abandoned' (at the next start, once updated_ms is old) and its staging dropped. Records written before
-- this version were applied.
ALTER TABLE reratings ADD COLUMN state TEXT NOT NULL DEFAULT 'applied';
ALTER TABLE reratings ADD COLUMN updated_ms BIGINT NOT NULL DEFAULT 0;

-- A staged event: its cost and unpriced metrics as read ('' when none) and as repriced (NULL when none, as in
-- events). Keyed by seq alone: two re-ratings cannot stage the same event at once (the second is refused).
CREATE TABLE rerate_staged_events (
    seq            BIGINT  PRIMARY KEY,
    rerating_id    TEXT    NOT NULL,
    old_cost_nanos BIGINT  NOT NULL,
    old_unpriced   TEXT    NOT NULL,
    new_cost_nanos BIGINT  NOT NULL,
    new_unpriced   TEXT
);

-- The staged differences, summed by the row they move: kind 'rollup' (grain, bucket, k1..k3 = provider, model,
-- endpoint as usage_rollup writes them), 'user' (bucket = month, k1 = user) or 'dimension' (k1 = key, k2 = value).
CREATE TABLE rerate_staged_sums (
    rerating_id    TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    customer_id    TEXT    NOT NULL,
    grain          TEXT    NOT NULL,
    bucket_ms      BIGINT  NOT NULL,
    k1             TEXT    NOT NULL,
    k2             TEXT    NOT NULL,
    k3             TEXT    NOT NULL,
    d_cost_nanos   BIGINT  NOT NULL,
    d_unpriced     BIGINT  NOT NULL,
    PRIMARY KEY (rerating_id, kind, customer_id, grain, bucket_ms, k1, k2, k3)
);
