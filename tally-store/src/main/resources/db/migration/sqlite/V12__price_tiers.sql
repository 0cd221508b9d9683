-- Prices by prompt size (issue 16): above_prompt_tokens = N > 0 makes a price apply only to events whose prompt has
-- more than N tokens (LiteLLM's *_above_200k_tokens); 0 is the base price. It is part of the key, so SQLite rebuilds
-- the table.
CREATE TABLE prices_new (
    provider            TEXT    NOT NULL,
    model               TEXT    NOT NULL,
    metric              TEXT    NOT NULL,
    above_prompt_tokens INTEGER NOT NULL DEFAULT 0,
    effective_from_ms   INTEGER NOT NULL,
    unit_price          TEXT    NOT NULL,
    per                 INTEGER NOT NULL,
    PRIMARY KEY (provider, model, metric, above_prompt_tokens, effective_from_ms)
) STRICT, WITHOUT ROWID;
INSERT INTO prices_new (provider, model, metric, above_prompt_tokens, effective_from_ms, unit_price, per)
    SELECT provider, model, metric, 0, effective_from_ms, unit_price, per FROM prices;
DROP TABLE prices;
ALTER TABLE prices_new RENAME TO prices;
