package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16: the records of re-ratings beyond the newest 100. The list answered the newest 100 and stopped, and the
 * usage report of a re-rated month picked its month's re-ratings out of those 100, so a month re-rated 101 times
 * listed 100 and an older month re-rated once, then outnumbered by others, listed none. The list now pages (the
 * contract's {@code limit} and {@code cursor}) and the report lists every applied re-rating of its month.
 */
class RerateListTest {
    private static final int RERATINGS = 105;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void moreThan100Reratings_listPagesThroughAll_reportListsEvery(Backend backend) {
        MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
        try (TestServer server = TestServer.start(backend, dir, clock)) {
            Api api = server.admin();
            RerateTestData.setUp(api);
            RerateTestData.price(api, "2.50");
            api.put("/v1/customers/zeta", "{\"plan\":\"pro\"}");
            // October's one re-rating comes first, then November's many: the newest 100 are all November's.
            Api.Response october = api.post("/v1/rerate",
                    "{\"period\":\"2026-10\",\"customer\":\"acme\",\"dry_run\":false}");
            assertThat(october.status()).as(october.body()).isEqualTo(201);
            List<JsonNode> applied = new ArrayList<>();
            for (int i = 0; i < RERATINGS; i++) {
                // Some share a millisecond (the cursor then goes on by id), some do not.
                if (i % 3 == 0) {
                    clock.advance(Duration.ofMillis(1));
                }
                applied.add(RerateTest.rerate(api, false));
            }
            assertThat(api.post("/v1/rerate", "{\"period\":\"2026-11\",\"customer\":\"zeta\",\"dry_run\":false}")
                    .status()).isEqualTo(201);

            JsonNode first = api.get("/v1/reratings?customer=acme").json();
            assertThat(first.path("reratings").size()).as("a page holds 100 by default").isEqualTo(100);
            assertThat(first.path("next_cursor").isTextual()).as(first.path("next_cursor").toString()).isTrue();

            List<String> listed = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                JsonNode page = api.get("/v1/reratings?customer=acme&limit=40"
                        + (cursor == null ? "" : "&cursor=" + cursor)).json();
                page.path("reratings").forEach(r -> listed.add(r.path("id").asText()));
                cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
                pages++;
            } while (cursor != null && pages < 10);
            // Newest first; records of one millisecond by id, descending.
            List<String> november = applied.stream().sorted(Comparator
                            .comparing((JsonNode r) -> Instant.parse(r.path("created_at").asText()))
                            .thenComparing(r -> r.path("id").asText()).reversed())
                    .map(r -> r.path("id").asText()).toList();
            List<String> expected = new ArrayList<>(november);
            expected.add(october.json().path("id").asText()); // the oldest
            assertThat(listed).as("every record of acme once, newest first").hasSize(RERATINGS + 1)
                    .containsExactlyElementsOf(expected).doesNotHaveDuplicates();
            assertThat(pages).isEqualTo(3);
            assertThat(api.get("/v1/reratings?limit=1000").json().path("reratings").size())
                    .as("every customer's").isEqualTo(RERATINGS + 2);

            List<String> reported = new ArrayList<>();
            api.get("/v1/customers/acme/usage?period=2026-11").json().path("reratings")
                    .forEach(r -> reported.add(r.path("id").asText()));
            assertThat(reported).as("the report lists every re-rating of its month")
                    .containsExactlyElementsOf(november);
            JsonNode octoberReport = api.get("/v1/customers/acme/usage?period=2026-10").json();
            assertThat(octoberReport.at("/reratings/0/id").asText()).as("October's one, behind 106 newer")
                    .isEqualTo(october.json().path("id").asText());
            assertThat(octoberReport.path("reratings").size()).isEqualTo(1);

            Api.Response bad = api.get("/v1/reratings?cursor=not-a-cursor");
            assertThat(bad.status()).as(bad.body()).isEqualTo(400);
            assertThat(bad.body()).contains("\"cursor\"");
            assertThat(api.get("/v1/reratings?limit=0").status()).isEqualTo(400);
        }
    }
}
