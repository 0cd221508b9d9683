-- The gateway's upstreams (issue 14): /gateway/{name}/... is forwarded to base_url. api_key_sealed is the upstream's
-- key encrypted by the server (AES-GCM, see docs/configuration.md); it is never answered back.
CREATE TABLE upstreams (
    name           TEXT   PRIMARY KEY,
    type           TEXT   NOT NULL,
    base_url       TEXT   NOT NULL,
    provider       TEXT   NOT NULL,
    api_key_sealed TEXT,
    updated_ms     BIGINT NOT NULL
);

-- A customer's own key for an upstream, used for that customer's calls instead of the upstream's; sealed likewise.
CREATE TABLE upstream_keys (
    customer_id    TEXT   NOT NULL,
    upstream       TEXT   NOT NULL,
    api_key_sealed TEXT   NOT NULL,
    updated_ms     BIGINT NOT NULL,
    PRIMARY KEY (customer_id, upstream)
);
