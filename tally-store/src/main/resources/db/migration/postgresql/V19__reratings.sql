-- Re-ratings (issue 16): the record of each applied re-rating, and its diff by customer and model. Written once when
-- the re-rating's pages are done, never updated. customer_id is NULL when every customer was re-rated. changed_ids
-- holds the ids of the first changed events of the line (at most 100), each
-- written as its length, a colon and the id (an id may hold any character).
CREATE TABLE reratings (
    id          TEXT    PRIMARY KEY,
    period      TEXT    NOT NULL,
    customer_id TEXT,
    created_by  TEXT,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX reratings_created ON reratings (created_ms);

CREATE TABLE rerating_lines (
    rerating_id       TEXT    NOT NULL,
    customer_id       TEXT    NOT NULL,
    provider          TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    events            BIGINT NOT NULL,
    changed           BIGINT NOT NULL,
    cost_before_nanos BIGINT NOT NULL,
    cost_after_nanos  BIGINT NOT NULL,
    newly_priced      BIGINT NOT NULL,
    still_unpriced    BIGINT NOT NULL,
    past_retention    BIGINT NOT NULL,
    changed_ids       TEXT    NOT NULL,
    PRIMARY KEY (rerating_id, customer_id, provider, model)
);
CREATE INDEX rerating_lines_customer ON rerating_lines (customer_id);
