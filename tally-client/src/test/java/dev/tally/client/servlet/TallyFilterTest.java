package dev.tally.client.servlet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.client.Call;
import dev.tally.client.Decision;
import dev.tally.client.EmbeddedAuthorizer;
import dev.tally.client.LimitState;
import dev.tally.client.RemoteEventSink;
import dev.tally.client.TallyClient;
import dev.tally.client.Usage;
import dev.tally.client.testing.Eventually;
import dev.tally.client.testing.RealTally;
import dev.tally.client.testing.ServletHost;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The filter in a real servlet container (Jetty) in front of a real Tally server. */
class TallyFilterTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Map<String, String> CUSTOMERS_BY_KEY = Map.of("key-acme", "acme");

    @TempDir
    Path dir;
    private RealTally tally;
    private TallyClient client;
    private TallyFilter filter;
    private ServletHost host;
    private final AtomicInteger appCalls = new AtomicInteger();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void start() {
        tally = RealTally.start(dir);
        client = tally.client();
    }

    @AfterEach
    void stop() throws Exception {
        if (host != null) {
            host.close();
        }
        if (filter != null) {
            filter.close();
        }
        tally.close();
    }

    /** The application: answers 200 and says it used 500 input and 200 output tokens. */
    private final class ChatServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException, ServletException {
            appCalls.incrementAndGet();
            if (req.getParameter("fail") != null) {
                throw new ServletException("the application failed");
            }
            req.setAttribute(TallyFilter.USAGE_ATTRIBUTE, Map.of("input_tokens", 500, "output_tokens", 200));
            res.setContentType("application/json");
            Decision decision = (Decision) req.getAttribute(TallyFilter.DECISION_ATTRIBUTE);
            res.getWriter().write("{\"reply\": \"hello\", \"reserved\": "
                    + (decision != null && decision.reservation() != null) + "}");
        }
    }

    private void serve(Consumer<TallyFilter.Builder> configure) throws Exception {
        serve(configure, new ChatServlet());
    }

    private void serve(Consumer<TallyFilter.Builder> configure, HttpServlet servlet) throws Exception {
        TallyFilter.Builder builder = TallyFilter.builder()
                .customer(req -> {
                    String key = req.getHeader("X-Api-Key");
                    return key == null ? null : CUSTOMERS_BY_KEY.get(key);
                })
                .provider(req -> "openai").model(req -> "gpt-4")
                .flushInterval(Duration.ofMillis(50));
        configure.accept(builder);
        filter = builder.build();
        host = ServletHost.start(filter, "/api/chat", servlet);
    }

    private HttpResponse<String> get(String pathAndQuery, String apiKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(host.url() + pathAndQuery))
                .timeout(Duration.ofSeconds(30));
        if (apiKey != null) {
            b.header("X-Api-Key", apiKey);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Usage awaitRequests(long requests) {
        return Eventually.await("usage of acme with " + requests + " requests", WAIT, () -> client.usage("acme"),
                u -> u.totals().requests() == requests);
    }

    private LimitState requestsLimitNow() {
        return client.check(Call.of("acme").withProvider("openai").withModel("gpt-4")).limits().stream()
                .filter(l -> l.metric().equals("requests")).findFirst().orElseThrow();
    }

    @Test
    void allowedRequest_passesWithRateLimitHeaders_andItsEventSettlesTheReservation() throws Exception {
        tally.customer("acme", "{\"metric\":\"requests\",\"window\":\"month\",\"amount\":100}");
        serve(b -> b.remote(client));

        HttpResponse<String> response = get("/api/chat", "key-acme");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"reply\": \"hello\", \"reserved\": true}");
        assertThat(response.headers().firstValue("X-RateLimit-Limit")).hasValue("100");
        assertThat(response.headers().firstValue("X-RateLimit-Remaining")).hasValue("99");
        assertThat(response.headers().firstValue("X-RateLimit-Reset")).isPresent();
        assertThat(response.headers().firstValue("RateLimit-Policy")).hasValueSatisfying(
                v -> assertThat(v).startsWith("\"requests-month\";q=100;w="));
        assertThat(response.headers().firstValue("RateLimit")).hasValueSatisfying(
                v -> assertThat(v).startsWith("\"requests-month\";r=99;t="));
        assertThat(response.headers().firstValue("Retry-After")).isEmpty();

        Usage usage = awaitRequests(1);
        assertThat(usage.totals().errors()).isZero();
        assertThat(usage.totals().metric("input_tokens")).isEqualByComparingTo("500");
        assertThat(usage.totals().tokens()).isEqualTo(700);
        // Settled: the reservation's request was replaced by the event's, not added to it.
        LimitState requests = requestsLimitNow();
        assertThat(requests.used()).isEqualByComparingTo("1");
        assertThat(requests.reserved()).isEqualByComparingTo("0");
        assertThat(filter.stats()).isEqualTo(new TallyFilter.Stats(1, 0, 0, 0));
    }

    @Test
    void limitUsedUp_answers429ProblemJsonWithRetryAfter_andTheAppIsNotCalled() throws Exception {
        tally.customer("acme", "{\"metric\":\"requests\",\"window\":\"month\",\"amount\":1}");
        serve(b -> b.remote(client));
        assertThat(get("/api/chat", "key-acme").statusCode()).isEqualTo(200);

        HttpResponse<String> denied = get("/api/chat", "key-acme");

        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/problem+json"));
        JsonNode problem = json.readTree(denied.body());
        assertThat(problem.get("type").asText()).isEqualTo("https://tally.dev/problems/quota-exceeded");
        assertThat(problem.get("title").asText()).isEqualTo("Quota exceeded");
        assertThat(problem.get("status").asInt()).isEqualTo(429);
        assertThat(problem.get("detail").asText()).isEqualTo("Your monthly limit is over. Please upgrade your plan.");
        assertThat(problem.get("code").asText()).isEqualTo("quota_exceeded");
        long retryAfter = problem.get("retry_after_seconds").asLong();
        assertThat(retryAfter).isPositive();
        assertThat(denied.headers().firstValue("Retry-After")).hasValue(Long.toString(retryAfter));
        assertThat(denied.headers().firstValue("X-RateLimit-Limit")).hasValue("1");
        assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(denied.headers().firstValue("RateLimit-Policy")).isPresent();
        assertThat(appCalls.get()).isEqualTo(1);
    }

    @Test
    void requestWithoutCustomer_passesUnmeteredAndUnrecorded() throws Exception {
        tally.customer("acme", "{\"metric\":\"requests\",\"window\":\"month\",\"amount\":1}");
        serve(b -> b.remote(client));

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = get("/api/chat", i == 0 ? null : "unknown-key");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-RateLimit-Limit")).isEmpty();
        }
        filter.close();

        assertThat(filter.stats()).isEqualTo(new TallyFilter.Stats(0, 0, 0, 0));
        assertThat(client.usage("acme").totals().requests()).isZero();
        assertThat(appCalls.get()).isEqualTo(3);
    }

    @Test
    void applicationThrows_eventRecordedAsAnError() throws Exception {
        tally.customer("acme", "");
        serve(b -> b.remote(client));

        assertThat(get("/api/chat?fail=1", "key-acme").statusCode()).isEqualTo(500);

        assertThat(awaitRequests(1).totals().errors()).isEqualTo(1);
    }

    @Test
    void asyncRequest_recordedWithTheStatusItCompletedWith() throws Exception {
        tally.customer("acme", "");
        HttpServlet async = new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse res) {
                AsyncContext context = req.startAsync();
                // Completes on another thread, after the filter's chain call has returned.
                context.start(() -> {
                    ((HttpServletResponse) context.getResponse()).setStatus(503);
                    context.complete();
                });
            }
        };
        serve(b -> b.remote(client), async);

        assertThat(get("/api/chat", "key-acme").statusCode()).isEqualTo(503);

        assertThat(awaitRequests(1).totals().errors()).isEqualTo(1);
    }

    @Test
    void closingTheFilter_flushesQueuedEventsBeforeItReturns() throws Exception {
        tally.customer("acme", "");
        serve(b -> b.remote(client).flushInterval(Duration.ofHours(1)));
        for (int i = 0; i < 4; i++) {
            assertThat(get("/api/chat", "key-acme").statusCode()).isEqualTo(200);
        }

        filter.close();

        assertThat(filter.stats().sent()).isEqualTo(4);
        assertThat(client.usage("acme").totals().requests()).isEqualTo(4);
    }

    @Test
    void tallyUnreachable_failOpen_everyRequestSucceeds_andEventsAreDroppedBoundedly() throws Exception {
        TallyClient down = TallyClient.builder().baseUrl(RealTally.unreachableUrl()).apiKey("k")
                .timeout(Duration.ofSeconds(2)).build();
        serve(b -> b.remote(down).maxAttempts(2).closeTimeout(Duration.ofSeconds(2)));

        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = get("/api/chat", "key-acme");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"reply\": \"hello\", \"reserved\": false}");
            assertThat(response.headers().firstValue("X-RateLimit-Limit")).isEmpty();
        }
        filter.close();

        assertThat(appCalls.get()).isEqualTo(5);
        assertThat(filter.stats()).isEqualTo(new TallyFilter.Stats(0, 0, 5, 0));
    }

    @Test
    void tallyUnreachable_failClosed_answers503ProblemJson() throws Exception {
        TallyClient down = TallyClient.builder().baseUrl(RealTally.unreachableUrl()).apiKey("k")
                .timeout(Duration.ofSeconds(2)).build();
        serve(b -> b.remote(down).failClosed());

        HttpResponse<String> response = get("/api/chat", "key-acme");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After"))
                .hasValue(Long.toString(TallyFilter.FAIL_CLOSED_RETRY_AFTER_SECONDS));
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("type").asText()).isEqualTo("https://tally.dev/problems/unavailable");
        assertThat(problem.get("status").asInt()).isEqualTo(503);
        assertThat(problem.get("code").asText()).isEqualTo("unavailable");
        assertThat(problem.get("detail").asText()).contains("cannot be checked");
        assertThat(appCalls.get()).isZero();
    }

    @Test
    void embeddedAuthorizer_allowsThenDenies_andTheEventSettlesItsReservation() throws Exception {
        tally.customer("acme", "{\"metric\":\"requests\",\"window\":\"month\",\"amount\":2}");
        serve(b -> b.authorizer(new EmbeddedAuthorizer(tally.server().enforcer()))
                .eventSink(new RemoteEventSink(client)));

        HttpResponse<String> first = get("/api/chat", "key-acme");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        assertThat(first.body()).contains("\"reserved\": true");
        awaitRequests(1);
        assertThat(requestsLimitNow().reserved()).isEqualByComparingTo("0");
        assertThat(requestsLimitNow().used()).isEqualByComparingTo("1");

        assertThat(get("/api/chat", "key-acme").statusCode()).isEqualTo(200);
        HttpResponse<String> third = get("/api/chat", "key-acme");

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(json.readTree(third.body()).get("code").asText()).isEqualTo("quota_exceeded");
        assertThat(third.headers().firstValue("Retry-After")).isPresent();
        assertThat(appCalls.get()).isEqualTo(2);
    }

    @Test
    void builder_missingPartsOrImpossibleSettings_failFastNamingThem() {
        TallyFilter.Builder b = TallyFilter.builder();
        org.assertj.core.api.Assertions.assertThatThrownBy(b::build)
                .hasMessage("customer resolver was not set");
        b.customer(req -> null);
        org.assertj.core.api.Assertions.assertThatThrownBy(b::build)
                .hasMessage("authorizer was not set (use authorizer(...) or remote(client))");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.batchSize(10_001))
                .hasMessage("batchSize must be 1 to 10000, was 10001");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.queueCapacity(0))
                .hasMessage("queueCapacity must be >= 1, was 0");
    }
}
