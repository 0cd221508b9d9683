package dev.tally.server.gateway;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.FakeUpstream;
import dev.tally.server.testing.TestServer;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAI side of gateway tests: an upstream {@code openai} in front of a fake one, and the SDK calling it. */
final class OpenAiGateway {
    /** The upstream's own key, which only the fake upstream may ever see. */
    static final String UPSTREAM_KEY = "sk-upstream-secret";

    private OpenAiGateway() {
    }

    /** Configures upstream {@code openai} (as the admin {@code api}) and returns an SDK client with the customer key. */
    static OpenAIClient connect(TestServer server, Api api, FakeUpstream upstream, String customerKey) {
        return connect(server, api, upstream.baseUrl(), customerKey);
    }

    /** The same for an upstream at {@code baseUrl}. */
    static OpenAIClient connect(TestServer server, Api api, String baseUrl, String customerKey) {
        assertThat(api.put("/v1/upstreams/openai", "{\"type\":\"openai\",\"base_url\":\"" + baseUrl
                + "\",\"api_key\":\"" + UPSTREAM_KEY + "\"}").status()).isEqualTo(200);
        return OpenAIOkHttpClient.builder().apiKey(customerKey)
                .baseUrl("http://127.0.0.1:" + server.port() + "/gateway/openai/v1").maxRetries(0).build();
    }
}
