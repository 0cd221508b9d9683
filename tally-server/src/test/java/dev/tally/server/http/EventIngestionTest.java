package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class EventIngestionTest {
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        api = server.admin();
        api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4","metric":"input_tokens","unit_price":"0.03","per":1000}]""");
        api.put("/v1/customers/acme", "{\"name\":\"Acme\"}");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private long requests() {
        return api.get("/v1/customers/acme/usage").json().at("/totals/requests").asLong();
    }

    @Test
    void post_threeBodyShapes_areAllAccepted() {
        assertThat(api.post("/v1/events", "{\"id\":\"e1\",\"customer\":\"acme\"}").json().get("accepted").asInt())
                .isEqualTo(1);
        assertThat(api.post("/v1/events", "[{\"id\":\"e2\",\"customer\":\"acme\"},{\"id\":\"e3\",\"customer\":\"acme\"}]")
                .json().get("accepted").asInt()).isEqualTo(2);
        assertThat(api.post("/v1/events", "{\"events\":[{\"id\":\"e4\",\"customer\":\"acme\"}]}")
                .json().get("accepted").asInt()).isEqualTo(1);
        assertThat(requests()).isEqualTo(4);
    }

    @Test
    void post_sameIdTwice_isAcknowledgedAsDuplicateAndCountedOnce() {
        String event = "{\"id\":\"evt_1\",\"customer\":\"acme\",\"usage\":{\"input_tokens\":10}}";
        assertThat(api.post("/v1/events", event).json().get("accepted").asInt()).isEqualTo(1);
        JsonNode second = api.post("/v1/events", "[" + event + "," + event + "]").json();
        assertThat(second.get("accepted").asInt()).isZero();
        assertThat(second.get("duplicates").asInt()).isEqualTo(2);
        assertThat(requests()).isEqualTo(1);
    }

    @Test
    void post_negativeQuantity_namesFieldAndRule_andStoresNothing() {
        Api.Response r = api.post("/v1/events",
                "{\"id\":\"bad\",\"customer\":\"acme\",\"usage\":{\"input_tokens\":-5}}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().at("/errors/0/field").asText()).isEqualTo("usage.input_tokens");
        assertThat(r.json().at("/errors/0/message").asText()).isEqualTo("usage.input_tokens: must be >= 0, was -5");
        assertThat(r.json().get("status").asInt()).isEqualTo(400);
        assertThat(requests()).isZero();
    }

    @Test
    void post_mixedBatch_keepsValidEventsAndReportsEachRejection() {
        JsonNode r = api.post("/v1/events", """
                [{"id":"ok1","customer":"acme"},
                 {"id":"bad1","customer":"acme","usage":{"input_tokens":1.5}},
                 {"id":"bad2","customer":"nobody"},
                 {"id":"bad3","customer":"acme","colour":"red"},
                 {"id":"ok2","customer":"acme","usage":{"seconds":12.5}}]""").json();
        assertThat(r.get("accepted").asInt()).isEqualTo(2);
        assertThat(r.get("rejected")).hasSize(3);
        assertThat(r.at("/rejected/0/index").asInt()).isEqualTo(1);
        assertThat(r.at("/rejected/0/errors/0/message").asText())
                .isEqualTo("usage.input_tokens: must be a whole number, was 1.5");
        assertThat(r.at("/rejected/1/errors/0/message").asText())
                .isEqualTo("customer: must name an existing customer, 'nobody' does not exist");
        assertThat(r.at("/rejected/2/errors/0/message").asText()).isEqualTo("colour: is not a known field");
        assertThat(requests()).isEqualTo(2);
    }

    @Test
    void post_timestampOutsideWindow_isRejectedWithReason() {
        JsonNode r = api.post("/v1/events", """
                [{"customer":"acme","timestamp":"2026-10-01T00:00:00Z"},
                 {"customer":"acme","timestamp":"2026-11-20T12:06:00Z"},
                 {"customer":"acme","timestamp":"2026-11-20T12:04:00+00:00"}]""").json();
        assertThat(r.get("accepted").asInt()).isEqualTo(1);
        assertThat(r.at("/rejected/0/errors/0/message").asText()).startsWith("timestamp: must be at most 35 days old");
        assertThat(r.at("/rejected/1/errors/0/message").asText())
                .startsWith("timestamp: must be at most 5 minutes in the future");
    }

    @Test
    void post_notJson_is400AndStoresNothing() {
        Api.Response r = api.post("/v1/events", "{\"customer\": ");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/errors/0/field").asText()).isEqualTo("body");
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("at dev.tally");
    }

    @Test
    void post_tooManyEvents_is413() {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i <= 10_000; i++) {
            body.append(i == 0 ? "" : ",").append("{\"customer\":\"acme\"}");
        }
        Api.Response r = api.post("/v1/events", body.append("]").toString());
        assertThat(r.status()).isEqualTo(413);
        assertThat(requests()).isZero();
    }

    @Test
    void post_bodyOverSizeLimit_is413() {
        String big = "{\"customer\":\"acme\",\"metadata\":{\"x\":\"" + "a".repeat(17 * 1024 * 1024) + "\"}}";
        assertThat(api.post("/v1/events", big).status()).isEqualTo(413);
    }

    @Test
    void post_unpricedModel_isStoredCountedAndFlagged() {
        api.post("/v1/events", """
                [{"id":"p","customer":"acme","provider":"openai","model":"gpt-4","usage":{"input_tokens":1000}},
                 {"id":"u","customer":"acme","provider":"openai","model":"gpt-9","usage":{"input_tokens":1000}}]""");
        JsonNode usage = api.get("/v1/customers/acme/usage").json();
        assertThat(usage.at("/totals/requests").asLong()).isEqualTo(2);
        assertThat(usage.at("/totals/cost").asText()).isEqualTo("0.03");
        assertThat(usage.get("unpriced_events").asLong()).isEqualTo(1);
        JsonNode log = api.get("/v1/customers/acme/events?model=gpt-9").json();
        assertThat(log.at("/events/0/unpriced").asBoolean()).isTrue();
    }

    @Test
    void post_costOverride_replacesCatalogPrice() {
        api.post("/v1/events", """
                {"customer":"acme","provider":"openai","model":"gpt-4","usage":{"input_tokens":1000},
                 "cost":"0.0000005"}""");
        assertThat(api.get("/v1/customers/acme/usage").json().at("/totals/cost").asText()).isEqualTo("0.0000005");
    }

    @Test
    void eventsLog_filtersAndPagesNewestFirst() {
        for (int i = 0; i < 5; i++) {
            api.post("/v1/events", """
                    {"id":"log%d","customer":"acme","timestamp":"2026-11-20T10:0%d:00Z","endpoint":"/api/%s",
                     "status":%d}""".formatted(i, i, i % 2 == 0 ? "chat" : "embed", i == 3 ? 500 : 200));
        }
        JsonNode page1 = api.get("/v1/customers/acme/events?limit=2").json();
        assertThat(page1.get("events")).extracting(e -> e.get("id").asText()).containsExactly("log4", "log3");
        JsonNode page2 = api.get("/v1/customers/acme/events?limit=2&cursor=" + page1.get("next_cursor").asText())
                .json();
        assertThat(page2.get("events")).extracting(e -> e.get("id").asText()).containsExactly("log2", "log1");
        assertThat(api.get("/v1/customers/acme/events?errors=true").json().get("events"))
                .extracting(e -> e.get("id").asText()).containsExactly("log3");
        assertThat(api.get("/v1/customers/acme/events?endpoint=/api/chat&from=2026-11-20T10:01:00Z").json()
                .get("events")).extracting(e -> e.get("id").asText()).containsExactly("log4", "log2");
        assertThat(api.get("/v1/customers/acme/events?limit=0").status()).isEqualTo(400);
    }
}
