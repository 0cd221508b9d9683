package dev.tally.server.gateway;

import dev.tally.server.testing.Backend;

/**
 * Every OpenAI SDK case of {@link GatewayOpenAiTest} (plain, streamed, Responses API, embeddings, the denial) on the
 * PostgreSQL store: the gateway's events go through PostgreSQL's group-commit writer and rollup queue, and are read
 * back to the token and the cent.
 */
class GatewayOpenAiPostgresTest extends GatewayOpenAiTest {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }
}
