package dev.tally.server.http;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.OpenApiContract;
import dev.tally.server.testing.TestServer;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.OuterList;
import org.greenbytes.http.sfv.Parser;
import org.greenbytes.http.sfv.StringItem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, point 10: the rate-limit headers of a decision, read the way a client reads them. {@code RateLimit} and
 * {@code RateLimit-Policy} are parsed with an outside RFC 8941 parser (greenbytes structured-fields), so Tally's own
 * writer is not the judge of its output.
 */
class RateLimitHeadersTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    private TestServer server;

    @BeforeEach
    void start() {
        // A clock between whole seconds: sliding windows then reset between whole seconds too.
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:30.250Z"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void customerWithLimits(String limits) {
        assertThat(server.admin().put("/v1/customers/acme", "{\"limits\":[" + limits + "]}").status())
                .isIn(200, 201);
    }

    private HttpHeaders decide(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + path))
                        .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"customer\":\"acme\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        OpenApiContract.get().check(r);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers();
    }

    /** The items of a structured-field list by their decoded names, each with its parameters. */
    private static Map<String, Map<String, Object>> items(HttpHeaders headers, String field) throws Exception {
        String value = headers.firstValue(field).orElseThrow(() -> new AssertionError("no " + field + " header"));
        OuterList list = Parser.parseList(value);
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (ListElement<?> element : list.get()) {
            assertThat(element).as("an item of %s is a string", value).isInstanceOf(StringItem.class);
            StringItem item = (StringItem) element;
            Map<String, Object> params = new LinkedHashMap<>();
            item.getParams().forEach((k, v) -> params.put(k, v.get()));
            // The limit's name, percent-decoded (URLDecoder would turn '+' into a space; names here have none).
            out.put(URLDecoder.decode(item.get(), StandardCharsets.UTF_8), params);
        }
        return out;
    }

    @Test
    void rateLimitHeaders_nonAsciiAndQuotedNames_parseAsStructuredFieldsAndDecodeToTheNames() throws Exception {
        customerWithLimits("""
                {"name":"café-día","metric":"requests","window":"minute","amount":5},
                {"name":"50% \\"off\\" \\\\ 東京","metric":"requests","window":"day","amount":100}""");
        HttpHeaders h = decide("/v1/authorize");

        Map<String, Map<String, Object>> policies = items(h, "RateLimit-Policy");
        assertThat(policies).containsOnlyKeys("café-día", "50% \"off\" \\ 東京");
        assertThat(policies.get("café-día")).containsEntry("q", 5L).containsEntry("w", 60L)
                .doesNotContainKey("qu");
        assertThat(policies.get("50% \"off\" \\ 東京")).containsEntry("q", 100L).containsEntry("w", 86_400L);
        Map<String, Map<String, Object>> states = items(h, "RateLimit");
        assertThat(states.get("café-día")).containsEntry("r", 4L).containsEntry("t", 60L);
        assertThat(states.get("50% \"off\" \\ 東京")).containsEntry("r", 99L);
        // Every header value is visible ASCII, as HTTP fields must be.
        h.map().forEach((name, values) -> values.forEach(v -> assertThat(v).matches("[\\x20-\\x7E]*")));
    }

    @Test
    void rateLimitPolicy_nonRequestUnits_areVendorPrefixed() throws Exception {
        customerWithLimits("""
                {"metric":"requests","window":"day","amount":100},
                {"metric":"tokens","window":"month","amount":50000},
                {"metric":"cost","window":"month","amount":"5.00"},
                {"metric":"images","window":"day","amount":20}""");
        Map<String, Map<String, Object>> policies = items(decide("/v1/check"), "RateLimit-Policy");
        assertThat(policies.get("requests-day")).doesNotContainKey("qu");
        assertThat(policies.get("tokens-month")).containsEntry("qu", "tally-tokens").containsEntry("q", 50_000L);
        assertThat(policies.get("cost-month")).containsEntry("qu", "tally-usd-micros").containsEntry("q", 5_000_000L);
        assertThat(policies.get("images-day")).containsEntry("qu", "tally-images");
    }

    @Test
    void xRateLimit_shadowLimitWouldDeny_describesTheHardLimitAndLeavesTheShadowOut() throws Exception {
        customerWithLimits("""
                {"metric":"requests","window":"minute","amount":0,"mode":"shadow"},
                {"metric":"requests","window":"day","amount":100}""");
        HttpHeaders h = decide("/v1/authorize");
        assertThat(h.firstValue("X-RateLimit-Limit")).hasValue("100");
        assertThat(h.firstValue("X-RateLimit-Remaining")).hasValue("99");
        assertThat(items(h, "RateLimit-Policy")).containsOnlyKeys("requests-day");
        assertThat(items(h, "RateLimit")).containsOnlyKeys("requests-day");
    }

    @Test
    void xRateLimit_onlyShadowLimits_sendsNoRateLimitHeaders() throws Exception {
        customerWithLimits("{\"metric\":\"requests\",\"window\":\"minute\",\"amount\":0,\"mode\":\"shadow\"}");
        HttpHeaders h = decide("/v1/authorize");
        assertThat(h.firstValue("X-RateLimit-Limit")).isEmpty();
        assertThat(h.firstValue("X-RateLimit-Reset")).isEmpty();
        assertThat(h.firstValue("RateLimit-Policy")).isEmpty();
        assertThat(h.firstValue("RateLimit")).isEmpty();
    }

    @Test
    void xRateLimit_softLimitTighterThanHard_describesTheHardLimit() throws Exception {
        customerWithLimits("""
                {"metric":"requests","window":"minute","amount":1,"mode":"soft"},
                {"metric":"requests","window":"day","amount":100}""");
        decide("/v1/authorize");
        HttpHeaders h = decide("/v1/authorize"); // the soft limit is now over, the hard one far from it
        assertThat(h.firstValue("X-RateLimit-Limit")).hasValue("100");
        assertThat(h.firstValue("X-RateLimit-Remaining")).hasValue("98");
        // Soft limits are still announced in the IETF fields: they are real quotas, billed as overage.
        assertThat(items(h, "RateLimit")).containsKeys("requests-minute", "requests-day");
    }

    @Test
    void xRateLimit_onlySoftLimits_describesTheTightestSoftLimit() throws Exception {
        customerWithLimits("""
                {"metric":"requests","window":"minute","amount":1,"mode":"soft"},
                {"metric":"requests","window":"day","amount":100,"mode":"soft"}""");
        HttpHeaders h = decide("/v1/check");
        assertThat(h.firstValue("X-RateLimit-Limit")).hasValue("1");
    }

    @Test
    void xRateLimitReset_windowResetsBetweenSeconds_isIsoWholeSecondsRoundedUp() throws Exception {
        customerWithLimits("{\"metric\":\"requests\",\"window\":\"minute\",\"amount\":5}");
        HttpHeaders h = decide("/v1/check");
        // Nothing used: the sliding minute resets a minute from now, 12:01:30.250, announced as the next second.
        assertThat(h.firstValue("X-RateLimit-Reset")).hasValue("2026-11-20T12:01:31Z");
        assertThat(items(h, "RateLimit").get("requests-minute")).containsEntry("t", 60L);
    }
}
