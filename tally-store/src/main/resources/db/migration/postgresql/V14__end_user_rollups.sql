-- End users and dimensions (issue 13): a customer's sums by end user, and by dimension value, per billing month
-- (month_ms: the event's month bucket). Written in the events' transaction. Past MAX_USERS users (MAX_DIMENSION_VALUES
-- values of a key) in a customer's month, the rest are summed under '(other)'.
CREATE TABLE user_rollup (
    customer_id   TEXT   NOT NULL,
    month_ms      BIGINT NOT NULL,
    user_id       TEXT   NOT NULL,
    requests      BIGINT NOT NULL,
    errors        BIGINT NOT NULL,
    tokens_micros BIGINT NOT NULL,
    cost_nanos    BIGINT NOT NULL,
    PRIMARY KEY (customer_id, month_ms, user_id)
);

CREATE TABLE dimension_rollup (
    customer_id   TEXT   NOT NULL,
    month_ms      BIGINT NOT NULL,
    dim_key       TEXT   NOT NULL,
    dim_value     TEXT   NOT NULL,
    requests      BIGINT NOT NULL,
    errors        BIGINT NOT NULL,
    tokens_micros BIGINT NOT NULL,
    cost_nanos    BIGINT NOT NULL,
    PRIMARY KEY (customer_id, month_ms, dim_key, dim_value)
);
