-- Several nodes on one database. config_version is bumped in the same transaction as every change of plans,
-- customers, prices, keys or channels, so a node that polls it (and, on PostgreSQL, is woken by NOTIFY) knows when to
-- reload what it caches. One row, never deleted.
CREATE TABLE config_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 0);

-- The nodes serving this database: each one writes its heartbeat (seen_at, epoch ms) every ~2 s and deletes its row
-- when it stops; /health counts the rows seen lately. counters is 'redis' or 'local'.
CREATE TABLE nodes (
    id         TEXT   PRIMARY KEY,
    started_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL,
    counters   TEXT   NOT NULL
);
