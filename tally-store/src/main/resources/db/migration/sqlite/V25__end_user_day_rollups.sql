-- End users and dimensions by day (issue 13): a customer's sums by end user, and by dimension value, per day in the
-- customer's zone (day_ms: the event's day bucket), so that a report of today or this week reads them instead of
-- the event log. Written with user_rollup and dimension_rollup, behind the acknowledgement like them; the names are
-- those of the day's month (kept, or '(other)' past the month's bound), so these tables are bounded the same way.
CREATE TABLE user_day_rollup (
    customer_id   TEXT    NOT NULL,
    day_ms        INTEGER NOT NULL,
    user_id       TEXT    NOT NULL,
    requests      INTEGER NOT NULL,
    errors        INTEGER NOT NULL,
    tokens_micros INTEGER NOT NULL,
    cost_nanos    INTEGER NOT NULL,
    PRIMARY KEY (customer_id, day_ms, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE dimension_day_rollup (
    customer_id   TEXT    NOT NULL,
    day_ms        INTEGER NOT NULL,
    dim_key       TEXT    NOT NULL,
    dim_value     TEXT    NOT NULL,
    requests      INTEGER NOT NULL,
    errors        INTEGER NOT NULL,
    tokens_micros INTEGER NOT NULL,
    cost_nanos    INTEGER NOT NULL,
    PRIMARY KEY (customer_id, day_ms, dim_key, dim_value)
) STRICT, WITHOUT ROWID;
