-- Re-ratings (issue 16): the record of each applied re-rating, and its diff by customer and model. Written once when
-- the re-rating's pages are done, never updated. customer_id is NULL when every customer was re-rated. changed_ids
-- holds the ids of the first changed events of the line (at most 100), each
-- written as its length, a colon and the id (an id may hold any character).
CREATE TABLE reratings (
    id          TEXT    PRIMARY KEY,
    period      TEXT    NOT NULL,
    customer_id TEXT,
    created_by  TEXT,
    created_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX reratings_created ON reratings (created_ms);

CREATE TABLE rerating_lines (
    rerating_id       TEXT    NOT NULL,
    customer_id       TEXT    NOT NULL,
    provider          TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    events            INTEGER NOT NULL,
    changed           INTEGER NOT NULL,
    cost_before_nanos INTEGER NOT NULL,
    cost_after_nanos  INTEGER NOT NULL,
    newly_priced      INTEGER NOT NULL,
    still_unpriced    INTEGER NOT NULL,
    past_retention    INTEGER NOT NULL,
    changed_ids       TEXT    NOT NULL,
    PRIMARY KEY (rerating_id, customer_id, provider, model)
) STRICT, WITHOUT ROWID;
CREATE INDEX rerating_lines_customer ON rerating_lines (customer_id);
