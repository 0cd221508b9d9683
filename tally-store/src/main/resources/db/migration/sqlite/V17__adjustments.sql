-- Adjustments (issue 16): signed corrections of one metric of a customer's billing month, never changed once
-- written. period_start_ms is the billing month's first instant, where the adjustment counts in month sums. amount is
-- the exact decimal as sent; raw the same in the metric's stored unit (nano-dollars, calls or micros).
CREATE TABLE adjustments (
    id              TEXT    PRIMARY KEY,
    customer_id     TEXT    NOT NULL,
    period          TEXT    NOT NULL,
    period_start_ms INTEGER NOT NULL,
    metric          TEXT    NOT NULL,
    amount          TEXT    NOT NULL,
    raw             INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    created_by      TEXT,
    created_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX adjustments_by_month ON adjustments (period_start_ms, customer_id);
