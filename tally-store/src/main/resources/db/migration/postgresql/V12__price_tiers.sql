-- Prices by prompt size (issue 16): above_prompt_tokens = N > 0 makes a price apply only to events whose prompt has
-- more than N tokens (LiteLLM's *_above_200k_tokens); 0 is the base price. It is part of the key.
ALTER TABLE prices ADD COLUMN above_prompt_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE prices DROP CONSTRAINT prices_pkey;
ALTER TABLE prices ADD PRIMARY KEY (provider, model, metric, above_prompt_tokens, effective_from_ms);
