package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.rerate.Rerating;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16: a node stopped between a re-rating's switch and its counter moves. The counters move just after the
 * switch commits, outside its transaction; here the switch is made at the store (begin, stage, switch), which is what
 * a node killed right after it leaves: the store holds the re-rated sums, the counters do not. The next node to start
 * on the same store finds the re-rating's moves not marked done: Redis counters, which outlived the node, are rebuilt
 * from the store; in-memory ones are rebuilt at every start anyway. Either way the mark is then set.
 *
 * <p>clinic's doctor_1 makes three calls today at $3.50 each (input $2.50 a million tokens), doctor_2 one: $10.50 of
 * doctor_1's $8.00 day and $14.00 of the clinic's $100.00 day. At $0.50 a call costs $1.50: $4.50 and $6.00.
 */
class RerateCountersNotMovedTest {
    private static final String LIMITS = """
            [{"name":"doctor_day","metric":"cost","window":"day","amount":"8.00","per":"user"},
             {"name":"clinic_day","metric":"cost","window":"day","amount":"100.00"}]""";
    private final MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
    @TempDir
    Path dir;
    private final List<TestServer> nodes = new ArrayList<>();
    private String redisPrefix;

    @AfterEach
    void stop() {
        nodes.forEach(TestServer::close);
        if (redisPrefix != null) {
            TestServer.deleteRedisKeys(redisPrefix);
        }
    }

    @Test
    void redisCounters_nodeStoppedAfterTheSwitch_nextNodeRebuildsThemWithTheRerate() {
        redisPrefix = "tally-test:" + UUID.randomUUID() + ":";
        TestServer first = started(TestServer.startWithRedis(Backend.POSTGRES.freshUrl(dir), dir, clock,
                redisPrefix));
        Api a = setUp(first);
        assertThat(used(a, "doctor_1", "doctor_day")).isEqualTo("10.50");

        RerateTestData.price(a, "0.50");
        switchWithoutMovingCounters(first);
        first.close();

        TestServer next = started(TestServer.startWithRedis(first.databaseUrl(), dir, clock, redisPrefix));
        Api b = next.admin();
        assertThat(used(b, "doctor_1", "doctor_day")).as("doctor_1's day, re-rated").isEqualTo("4.50");
        assertThat(used(b, "doctor_1", "clinic_day")).as("the clinic's day, re-rated").isEqualTo("6.00");
        assertThat(allowed(b, "doctor_1")).as("$4.50 + $1.00 of $8.00").isTrue();
        assertThat(next.server().store().countersNotMoved()).isEmpty();

        // An apply that runs to its end marks its moves itself: nothing is rebuilt for it at a start.
        rerate(b, "2.50");
        assertThat(next.server().store().countersNotMoved()).isEmpty();
        assertThat(used(b, "doctor_1", "doctor_day")).isEqualTo("10.50");
    }

    @Test
    void inMemoryCounters_nodeStoppedAfterTheSwitch_nextStartRebuildsThemAndMarksTheMoves() {
        TestServer first = started(TestServer.start(Backend.SQLITE, dir, clock));
        Api a = setUp(first);
        RerateTestData.price(a, "0.50");
        switchWithoutMovingCounters(first);
        assertThat(first.server().store().countersNotMoved()).hasSize(1);
        first.close();

        TestServer next = started(TestServer.startOn(first.databaseUrl(), dir, clock));
        assertThat(used(next.admin(), "doctor_1", "doctor_day")).isEqualTo("4.50");
        assertThat(used(next.admin(), "doctor_1", "clinic_day")).isEqualTo("6.00");
        assertThat(next.server().store().countersNotMoved()).isEmpty();
    }

    private TestServer started(TestServer node) {
        nodes.add(node);
        return node;
    }

    private static Api setUp(TestServer node) {
        Api api = node.admin();
        assertThat(api.put("/v1/plans/clinic", "{\"limits\":" + LIMITS + "}").status()).isIn(200, 201);
        assertThat(api.put("/v1/customers/clinic", "{\"plan\":\"clinic\"}").status()).isIn(200, 201);
        RerateTestData.price(api, "2.50");
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 4; i++) {
            body.append(i == 0 ? "" : ",").append("""
                    {"id":"e%d","customer":"clinic","provider":"openai","model":"gpt-4o","user":"%s",
                     "timestamp":"2026-11-20T10:00:0%dZ","usage":{"input_tokens":1000000,"output_tokens":100000}}"""
                    .formatted(i, i < 3 ? "doctor_1" : "doctor_2", i));
        }
        assertThat(api.post("/v1/events", body.append(']').toString()).json().path("accepted").asInt()).isEqualTo(4);
        return api;
    }

    private static void rerate(Api api, String input) {
        RerateTestData.price(api, input);
        Api.Response r = api.post("/v1/rerate", "{\"period\":\"2026-11\",\"customer\":\"clinic\",\"dry_run\":false}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    /**
     * What a node killed just after a re-rating's switch leaves: clinic's November staged at the catalog's prices and
     * switched in, the counters not moved (no listener runs) and the moves not marked.
     */
    private void switchWithoutMovingCounters(TestServer node) {
        TallyStore store = node.server().store();
        PriceCatalog prices = node.server().catalog().prices();
        Instant now = clock.instant();
        YearMonth month = YearMonth.of(2026, 11);
        String id = "rr_killed_after_switch";
        store.beginRerating(new Rerating(id, month, "clinic", Rerating.State.STAGING, "test", now, List.of()));
        store.reprice("clinic", Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"),
                e -> Rerater.reprice(prices, e), id, (entries, repriced) -> {
                });
        store.switchStaged(new Rerating(id, month, "clinic", Rerating.State.APPLIED, "test", now, List.of()));
    }

    /** The {@code limit}'s use as {@code /v1/check} answers it for a call of {@code user}. */
    private static String used(Api api, String user, String limit) {
        JsonNode check = api.post("/v1/check", """
                {"customer":"clinic","provider":"openai","model":"gpt-4o","user":"%s"}""".formatted(user)).json();
        for (JsonNode l : check.path("limits")) {
            if (l.path("name").asText().equals(limit)) {
                return l.path("used").asText();
            }
        }
        throw new AssertionError("no limit " + limit + " in " + check);
    }

    private static boolean allowed(Api api, String user) {
        return api.post("/v1/check", """
                {"customer":"clinic","provider":"openai","model":"gpt-4o","user":"%s",
                 "estimate":{"cost":"1.00"}}""".formatted(user)).json().path("allowed").asBoolean();
    }
}
