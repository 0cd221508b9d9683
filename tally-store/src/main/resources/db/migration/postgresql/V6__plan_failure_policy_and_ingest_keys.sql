-- V6: a plan may name its own failure policy; API keys get a scope, so an ingest key (no customer) can be stored.

-- NULL: the plan follows the server's default (TALLY_FAILURE_POLICY).
ALTER TABLE plans ADD COLUMN failure_policy TEXT CHECK (failure_policy IN ('fail_open', 'fail_closed'));

ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'customer' CHECK (scope IN ('customer', 'ingest'));
ALTER TABLE api_keys ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scope_customer CHECK ((scope = 'customer') = (customer_id IS NOT NULL));
