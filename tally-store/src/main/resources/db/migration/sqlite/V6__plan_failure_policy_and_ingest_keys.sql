-- V6: a plan may name its own failure policy; API keys get a scope, so an ingest key (no customer) can be stored.

-- NULL: the plan follows the server's default (TALLY_FAILURE_POLICY).
ALTER TABLE plans ADD COLUMN failure_policy TEXT CHECK (failure_policy IN ('fail_open', 'fail_closed'));

-- SQLite cannot drop a NOT NULL constraint in place: rebuild api_keys with a nullable customer_id and a scope.
CREATE TABLE api_keys_v6 (
    id          TEXT    PRIMARY KEY,
    scope       TEXT    NOT NULL DEFAULT 'customer' CHECK (scope IN ('customer', 'ingest')),
    customer_id TEXT,
    hash        BLOB    NOT NULL,
    created_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER,
    CHECK ((scope = 'customer') = (customer_id IS NOT NULL))
) STRICT;

INSERT INTO api_keys_v6 (id, scope, customer_id, hash, created_ms, revoked_ms)
SELECT id, 'customer', customer_id, hash, created_ms, revoked_ms FROM api_keys;

DROP TABLE api_keys;
ALTER TABLE api_keys_v6 RENAME TO api_keys;
CREATE INDEX api_keys_customer ON api_keys (customer_id);
