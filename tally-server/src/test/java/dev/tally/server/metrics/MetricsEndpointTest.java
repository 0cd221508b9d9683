package dev.tally.server.metrics;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /metrics} after real traffic through a real server: every family operators need is there, with the
 * counts of what was sent, and the exposition passes Prometheus' own checker.
 */
class MetricsEndpointTest {
    /** The checker from Debian's {@code prometheus} package; override with TALLY_TEST_PROMTOOL. */
    private static final String PROMTOOL = System.getenv().getOrDefault("TALLY_TEST_PROMTOOL", "/usr/bin/promtool");
    private static final String CALL = """
            {"customer":"acme","provider":"openai","model":"gpt-4"}""";

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.at("2026-11-10T08:00:00Z");

    @ParameterizedTest
    @EnumSource(Backend.class)
    void scrape_afterTraffic_countsRequestsDecisionsEventsAndAlerts(Backend backend) {
        try (TestServer server = TestServer.start(backend, dir, clock)) {
            Api api = server.admin();
            sendTraffic(server, api);

            Scrape scrape = scrape(api);

            // HTTP: by route template (never the raw path), method and status, with histogram buckets.
            String requests = "http_server_requests_seconds_count";
            assertThat(scrape.sum(requests, "route", "/v1/authorize", "method", "POST")).isEqualTo(5);
            assertThat(scrape.sum(requests, "route", "/v1/check", "method", "POST")).isEqualTo(1);
            assertThat(scrape.sum(requests, "route", "/v1/events", "method", "POST", "status", "200")).isEqualTo(2);
            assertThat(scrape.sum(requests, "route", "/v1/events", "method", "POST", "status", "400")).isEqualTo(1);
            assertThat(scrape.sum(requests, "route", "/v1/customers/{customer_id}", "method", "PUT")).isEqualTo(1);
            assertThat(scrape.sum(requests, "route", "unmatched", "status", "404")).isEqualTo(1);
            assertThat(scrape.sum(requests, "route", "static", "method", "GET", "status", "200")).isEqualTo(1);
            assertThat(scrape.samples()).noneMatch(s -> s.labels().getOrDefault("route", "").contains("acme"));
            assertThat(scrape.sum("http_server_requests_seconds_bucket", "route", "/v1/check", "le", "+Inf"))
                    .isEqualTo(1);
            assertThat(scrape.find("http_server_requests_seconds_bucket", "route", "/v1/check")).hasSizeGreaterThan(10);

            // Decisions by result and denial code (requests/day of 2: two allowed, then denied).
            String decisions = "tally_decisions_total";
            assertThat(scrape.sum(decisions, "action", "authorize", "result", "allowed", "code", "none")).isEqualTo(2);
            assertThat(scrape.sum(decisions, "action", "authorize", "result", "denied", "code", "quota_exceeded"))
                    .isEqualTo(3);
            assertThat(scrape.sum(decisions, "action", "check", "result", "denied", "code", "quota_exceeded"))
                    .isEqualTo(1);
            assertThat(scrape.sum(decisions, "code", "rate_limited")).isZero();

            // Events: accepted, duplicate, rejected (in a partly valid batch and in a wholly invalid request).
            assertThat(scrape.sum("tally_events_total", "result", "accepted")).isEqualTo(2);
            assertThat(scrape.sum("tally_events_total", "result", "duplicate")).isEqualTo(1);
            assertThat(scrape.sum("tally_events_total", "result", "rejected")).isEqualTo(2);

            // The exceeded alert of the denied calls, once.
            assertThat(scrape.sum("tally_alerts_fired_total", "kind", "exceeded")).isEqualTo(1);

            // The writer: the families dashboards already use, the queue depth, commit latency with buckets.
            // Events through a commit, the duplicate included (the store tells duplicates apart in the commit).
            assertThat(scrape.sum("tally_writer_events_total")).isEqualTo(3);
            assertThat(scrape.sum("tally_writer_commit_seconds_count")).isGreaterThanOrEqualTo(1);
            assertThat(scrape.sum("tally_writer_commit_seconds_bucket", "le", "+Inf"))
                    .isEqualTo(scrape.sum("tally_writer_commit_seconds_count"));
            assertThat(scrape.find("tally_writer_commit_seconds_bucket")).hasSizeGreaterThan(10);
            assertThat(scrape.sum("tally_writer_batch_events_count")).isGreaterThanOrEqualTo(1);
            assertThat(scrape.find("tally_writer_pending_requests")).hasSize(1);
            assertThat(scrape.sum("tally_writer_queued_events")).isZero();
            assertThat(scrape.find("tally_rollup_lag_seconds")).hasSize(1);
            assertThat(scrape.find("tally_notification_attempts_total")).hasSize(3);

            // The store's pool (HikariCP's tracker), named after the backend's pool.
            String pool = backend == Backend.SQLITE ? "tally-sqlite" : "tally-postgresql";
            assertThat(scrape.find("hikaricp_connections", "pool", pool)).hasSize(1);
            assertThat(scrape.find("hikaricp_connections_max", "pool", pool)).hasSize(1);
            assertThat(scrape.sum("hikaricp_connections_acquire_seconds_count", "pool", pool)).isPositive();

            // The JVM, through Micrometer's binders.
            assertThat(scrape.names()).contains("jvm_memory_used_bytes", "jvm_threads_live_threads",
                    "jvm_classes_loaded_classes", "jvm_gc_memory_allocated_bytes_total", "process_cpu_usage",
                    "system_cpu_count", "process_uptime_seconds");
        }
    }

    @Test
    void rollupLag_sqliteIncrementsWaitingForTheirWrite_isTheirAgeByTheServerClock() {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, clock)) {
            Api api = server.admin();
            assertThat(api.put("/v1/customers/acme", "{\"name\":\"acme\"}").status()).isIn(200, 201);
            assertThat(api.post("/v1/events", "{\"id\":\"e1\",\"customer\":\"acme\"}").status()).isEqualTo(200);
            clock.advance(Duration.ofSeconds(3));

            assertThat(scrape(api).sum("tally_rollup_lag_seconds")).isEqualTo(3.0);

            // Past the longest wait, the next commit writes every pending increment: no lag left.
            clock.advance(Duration.ofSeconds(3));
            assertThat(api.post("/v1/events", "{\"id\":\"e2\",\"customer\":\"acme\"}").status()).isEqualTo(200);
            assertThat(scrape(api).sum("tally_rollup_lag_seconds")).isZero();
        }
    }

    @Test
    void exposition_afterTraffic_passesPromtoolCheckMetrics() throws Exception {
        File promtool = new File(PROMTOOL);
        if (!promtool.canExecute()) {
            throw new IllegalStateException(PROMTOOL + " is missing: this test needs Prometheus' promtool "
                    + "(apt-get install -y prometheus; .ci/run does this)");
        }
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, clock)) {
            Api api = server.admin();
            sendTraffic(server, api);
            Path exposition = dir.resolve("metrics.txt");
            Files.writeString(exposition, api.as(null).get("/metrics").body());

            Process check = new ProcessBuilder(PROMTOOL, "check", "metrics").redirectInput(exposition.toFile())
                    .redirectErrorStream(true).start();
            assertThat(check.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            // Exit 1 is a parse error; 3 is lint findings, which are allowed only for two names that Micrometer's
            // binders give (and that its JVM dashboards use): every family of ours must be clean.
            assertThat(check.exitValue()).as("promtool's exit code; it said: %s", output).isIn(0, 3);
            assertThat(output.lines()).as("promtool's findings").allMatch(line ->
                    line.startsWith("process_cpu_time_ns_total ") || line.startsWith("system_cpu_count "));
        }
    }

    /**
     * A customer with 2 requests a day: 5 authorizations (2 allowed, 3 denied) and a check, then events: 2 accepted,
     * a batch with a duplicate and an invalid one, a wholly invalid request; a path no route matches and a console asset.
     */
    private void sendTraffic(TestServer server, Api api) {
        assertThat(api.put("/v1/plans/pro", """
                {"name":"pro","limits":[{"metric":"requests","window":"day","amount":2}]}""").status())
                .isIn(200, 201);
        assertThat(api.put("/v1/customers/acme", "{\"name\":\"acme\",\"plan\":\"pro\"}").status()).isIn(200, 201);
        for (int i = 0; i < 5; i++) {
            assertThat(api.post("/v1/authorize", CALL).json().get("allowed").asBoolean()).isEqualTo(i < 2);
        }
        assertThat(api.post("/v1/check", CALL).json().get("allowed").asBoolean()).isFalse();
        assertThat(api.post("/v1/events", """
                [{"id":"e1","customer":"acme"},{"id":"e2","customer":"acme"}]""").status()).isEqualTo(200);
        assertThat(api.post("/v1/events", """
                [{"id":"e1","customer":"acme"},{"id":"e3","customer":"acme","usage":{"input_tokens":-5}}]""")
                .status()).isEqualTo(200);
        assertThat(api.post("/v1/events", "{\"id\":\"e4\",\"customer\":\"nobody\"}").status()).isEqualTo(400);
        assertThat(api.get("/v1/no-such-route/acme").status()).isEqualTo(404);
        assertThat(api.as(null).get("/assets/app.css").status()).isEqualTo(200);
        server.server().alerts().drain(Duration.ofSeconds(10));
    }

    private static Scrape scrape(Api api) {
        Api.Response r = api.as(null).get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        return Scrape.parse(r.body());
    }
}
