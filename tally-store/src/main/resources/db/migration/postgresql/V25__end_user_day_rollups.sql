-- End users and dimensions by day (issue 13): a customer's sums by end user, and by dimension value, per day in the
-- customer's zone (day_ms: the event's day bucket), so that a report of today or this week reads them instead of
-- the event log. Written by the roller with user_rollup and dimension_rollup; the names are those of the day's
-- month (kept, or '(other)' past the month's bound), so these tables are bounded the same way. Fillfactor 50 as
-- the other rollup tables (V24), so that a roller pass updates rows in place.
CREATE TABLE user_day_rollup (
    customer_id   TEXT   NOT NULL,
    day_ms        BIGINT NOT NULL,
    user_id       TEXT   NOT NULL,
    requests      BIGINT NOT NULL,
    errors        BIGINT NOT NULL,
    tokens_micros BIGINT NOT NULL,
    cost_nanos    BIGINT NOT NULL,
    PRIMARY KEY (customer_id, day_ms, user_id)
) WITH (fillfactor = 50);

CREATE TABLE dimension_day_rollup (
    customer_id   TEXT   NOT NULL,
    day_ms        BIGINT NOT NULL,
    dim_key       TEXT   NOT NULL,
    dim_value     TEXT   NOT NULL,
    requests      BIGINT NOT NULL,
    errors        BIGINT NOT NULL,
    tokens_micros BIGINT NOT NULL,
    cost_nanos    BIGINT NOT NULL,
    PRIMARY KEY (customer_id, day_ms, dim_key, dim_value)
) WITH (fillfactor = 50);
