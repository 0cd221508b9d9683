-- Notifications: the customer's contact address, the channels, the outbox and its delivery log.

ALTER TABLE customers ADD COLUMN email TEXT;

-- events and recipients are comma-separated lists ('' for none); secret is stored as given (it signs webhooks).
CREATE TABLE channels (
    id               TEXT    PRIMARY KEY,
    type             TEXT    NOT NULL CHECK (type IN ('webhook', 'email')),
    url              TEXT,
    secret           TEXT,
    events           TEXT    NOT NULL,
    recipients       TEXT    NOT NULL,
    customer_contact BOOLEAN NOT NULL,
    created_ms       BIGINT  NOT NULL,
    updated_ms       BIGINT  NOT NULL
);

-- The outbox: one row per event and recipient. next_attempt_ms is also the end of a claim's lease.
CREATE TABLE notifications (
    id              TEXT    PRIMARY KEY,
    channel_id      TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_ms BIGINT  NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'failed', 'delivered', 'dead')),
    last_error      TEXT,
    created_ms      BIGINT  NOT NULL,
    delivered_ms    BIGINT
);

-- The due set, kept small: delivered and dead rows leave the index.
CREATE INDEX notifications_due ON notifications (next_attempt_ms) WHERE state IN ('pending', 'failed');
-- The delivery log, newest first.
CREATE INDEX notifications_created ON notifications (created_ms, id);

CREATE TABLE delivery_attempts (
    notification_id TEXT    NOT NULL,
    attempt         INTEGER NOT NULL,
    at_ms           BIGINT  NOT NULL,
    succeeded       BOOLEAN NOT NULL,
    status_code     INTEGER,
    error           TEXT,
    duration_ms     BIGINT  NOT NULL,
    PRIMARY KEY (notification_id, attempt)
);
