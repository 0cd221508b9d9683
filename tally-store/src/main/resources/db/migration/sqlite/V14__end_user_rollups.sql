-- End users and dimensions (issue 13): a customer's sums by end user, and by dimension value, per billing month
-- (month_ms: the event's month bucket). Written in the events' transaction. Past MAX_USERS users (MAX_DIMENSION_VALUES
-- values of a key) in a customer's month, the rest are summed under '(other)'.
CREATE TABLE user_rollup (
    customer_id   TEXT    NOT NULL,
    month_ms      INTEGER NOT NULL,
    user_id       TEXT    NOT NULL,
    requests      INTEGER NOT NULL,
    errors        INTEGER NOT NULL,
    tokens_micros INTEGER NOT NULL,
    cost_nanos    INTEGER NOT NULL,
    PRIMARY KEY (customer_id, month_ms, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE dimension_rollup (
    customer_id   TEXT    NOT NULL,
    month_ms      INTEGER NOT NULL,
    dim_key       TEXT    NOT NULL,
    dim_value     TEXT    NOT NULL,
    requests      INTEGER NOT NULL,
    errors        INTEGER NOT NULL,
    tokens_micros INTEGER NOT NULL,
    cost_nanos    INTEGER NOT NULL,
    PRIMARY KEY (customer_id, month_ms, dim_key, dim_value)
) STRICT, WITHOUT ROWID;
