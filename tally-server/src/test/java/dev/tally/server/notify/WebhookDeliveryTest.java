package dev.tally.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.alert.Alert;
import dev.tally.core.alert.AlertKind;
import dev.tally.core.notify.Backoff;
import dev.tally.core.notify.Dispatcher;
import dev.tally.core.notify.Notifier;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.json.Json;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import dev.tally.server.testing.WebhookReceiver;
import dev.tally.server.testing.WebhookReceiver.Received;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Webhooks end to end through a real server: alerts reported to the server's notifier go through the persisted
 * outbox and its dispatcher to a real HTTP receiver, which verifies every signature itself.
 */
class WebhookDeliveryTest {
    private static final ObjectMapper JSON = Json.mapper();
    /** Longer than any backoff with its jitter, so that each step makes every failed row due again. */
    private static final Duration STEP = Duration.ofHours(3);

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");

    @ParameterizedTest
    @EnumSource(Backend.class)
    void receiverFailingItsFirstThreeDeliveries_getsEachAlertExactlyOnce_withAVerifiedSignature(Backend backend)
            throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(3);
             TestServer server = TestServer.start(backend, dir, clock)) {
            String secret = createChannel(server.admin(), hook, "[\"alert.threshold\", \"alert.exceeded\"]");
            Notifier notifier = server.server().notifications().notifier();
            Alert threshold = Alerts.fired("alr_1", AlertKind.THRESHOLD, "acme", "tokens-month", 80, "85.0",
                    clock.instant());
            Alert exceeded = Alerts.fired("alr_2", AlertKind.EXCEEDED, "acme", "requests-minute", null, "100.0",
                    clock.instant());
            Alert unsubscribed = Alerts.fired("alr_3", AlertKind.RATE_SPIKE, "acme", null, null, null,
                    clock.instant());

            notifier.fired(threshold);
            notifier.fired(exceeded);
            notifier.fired(threshold); // reported twice: still one row
            notifier.fired(unsubscribed);
            deliverForSteps(server, 4);

            List<Received> accepted = hook.accepted();
            Map<String, Long> acceptedPerAlert = accepted.stream()
                    .collect(Collectors.groupingBy(r -> alertId(r.body()), Collectors.counting()));
            assertThat(acceptedPerAlert).containsExactlyInAnyOrderEntriesOf(Map.of("alr_1", 1L, "alr_2", 1L));
            assertThat(hook.received()).hasSize(5);
            for (Received r : hook.received()) {
                assertThat(WebhookReceiver.verify(r, secret)).as("signature of %s", r).isTrue();
                assertThat(WebhookReceiver.verify(r, "whsec_" + "A".repeat(44))).isFalse();
            }
            // Retries of one alert carry the same webhook-id, so a receiver can drop duplicates.
            Map<String, List<String>> idsPerAlert = hook.received().stream().collect(Collectors.groupingBy(
                    r -> alertId(r.body()), Collectors.mapping(Received::id, Collectors.toList())));
            idsPerAlert.values().forEach(ids -> assertThat(ids).containsOnly(ids.get(0)));
            assertThat(idsPerAlert.get("alr_1").get(0)).isNotEqualTo(idsPerAlert.get("alr_2").get(0));

            JsonNode body = JSON.readTree(accepted.stream().filter(r -> alertId(r.body()).equals("alr_1"))
                    .findFirst().orElseThrow().body());
            assertThat(body.get("type").asText()).isEqualTo("alert.threshold");
            assertThat(body.get("timestamp").asText()).isEqualTo("2026-11-22T10:00:00Z");
            assertThat(body.at("/data/customer").asText()).isEqualTo("acme");
            assertThat(body.at("/data/limit").asText()).isEqualTo("tokens-month");
            assertThat(body.at("/data/threshold").asInt()).isEqualTo(80);
            assertThat(body.at("/data/percent").decimalValue()).isEqualByComparingTo("85.0");
            assertThat(body.at("/data/state").asText()).isEqualTo("active");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void deliveryLog_showsEveryAttemptWithItsStatus(Backend backend) throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(2);
             TestServer server = TestServer.start(backend, dir, clock)) {
            createChannel(server.admin(), hook, "[]");
            server.server().notifications().notifier().fired(Alerts.fired("alr_1", AlertKind.COST, "acme",
                    "cost-month", 100, "101.5", clock.instant()));

            deliverForSteps(server, 3);

            Api.Response r = server.admin().get("/v1/deliveries?channel=ops-hook&state=delivered");
            assertThat(r.status()).isEqualTo(200);
            JsonNode delivery = r.json().get("deliveries").get(0);
            assertThat(r.json().get("deliveries")).hasSize(1);
            assertThat(delivery.get("type").asText()).isEqualTo("alert.cost");
            assertThat(delivery.get("recipient").asText()).isEqualTo(hook.url());
            assertThat(delivery.get("attempts").asInt()).isEqualTo(3);
            assertThat(delivery.get("next_attempt_at").isNull()).isTrue();
            assertThat(delivery.get("log")).extracting(e -> e.get("status_code").asInt()).containsExactly(500, 500,
                    204);
            assertThat(delivery.get("log").get(0).get("error").asText()).isEqualTo("HTTP 500");
            assertThat(delivery.get("log").get(2).get("succeeded").asBoolean()).isTrue();
            assertThat(server.admin().get("/v1/deliveries?state=pending").json().get("deliveries")).isEmpty();
            assertThat(server.admin().get("/v1/deliveries/" + delivery.get("id").asText()).json().get("log"))
                    .hasSize(3);
            String metrics = server.admin().as(null).get("/metrics").body();
            assertThat(metrics).contains("tally_notification_attempts_total{result=\"failed\"} 2.0",
                    "tally_notification_attempts_total{result=\"delivered\"} 1.0",
                    "tally_notification_attempts_total{result=\"dead\"} 0.0");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void pendingDeliveries_surviveARestart_andAreDeliveredOnceAfterIt(Backend backend) throws Exception {
        String url = backend.freshUrl(dir);
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(1)) {
            String secret;
            try (TestServer first = TestServer.startOn(url, dir, clock)) {
                secret = createChannel(first.admin(), hook, "[]");
                first.server().notifications().notifier().fired(Alerts.fired("alr_1", AlertKind.THRESHOLD, "acme",
                        "tokens-month", 50, "50.0", clock.instant()));
                first.server().notifications().dispatcher().dispatchDue();
                assertThat(hook.received()).hasSize(1);
                assertThat(hook.accepted()).isEmpty();
            }

            try (TestServer second = TestServer.startOn(url, dir, clock)) {
                deliverForSteps(second, 3);
            }

            assertThat(hook.accepted()).hasSize(1);
            assertThat(hook.received()).extracting(Received::id).containsOnly(hook.received().get(0).id());
            assertThat(WebhookReceiver.verify(hook.accepted().get(0), secret)).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void enqueuedBeforeAnyAttempt_andStopped_isDeliveredAfterTheRestart(Backend backend) throws Exception {
        String url = backend.freshUrl(dir);
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(0)) {
            try (TestServer first = TestServer.startOn(url, dir, clock)) {
                createChannel(first.admin(), hook, "[]");
                // Straight into the outbox, as the notifier does, and stop before a round can run.
                first.server().store().enqueue(first.server().notifications().notifier().rowsFor(Alerts.fired(
                        "alr_9", AlertKind.EXCEEDED, "acme", "requests-month", null, "100.0", clock.instant())));
            }

            try (TestServer second = TestServer.startOn(url, dir, clock)) {
                deliverForSteps(second, 1);
            }

            assertThat(hook.accepted()).extracting(r -> alertId(r.body())).containsExactly("alr_9");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void receiverAlwaysFailing_isGivenUpAfterTheLastAttempt(Backend backend) throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(Integer.MAX_VALUE);
             TestServer server = TestServer.start(backend, dir, clock)) {
            createChannel(server.admin(), hook, "[]");
            server.server().notifications().notifier().fired(Alerts.fired("alr_1", AlertKind.THRESHOLD, "acme",
                    "tokens-month", 50, "50.0", clock.instant()));

            deliverForSteps(server, Backoff.DEFAULT_MAX_ATTEMPTS + 3);

            assertThat(hook.received()).hasSize(Backoff.DEFAULT_MAX_ATTEMPTS);
            JsonNode dead = server.admin().get("/v1/deliveries?state=dead").json().get("deliveries");
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).get("attempts").asInt()).isEqualTo(Backoff.DEFAULT_MAX_ATTEMPTS);
            assertThat(dead.get(0).get("last_error").asText()).isEqualTo("HTTP 500");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void channelDeletedBeforeDelivery_rowDiesWithoutASend(Backend backend) throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(0);
             TestServer server = TestServer.start(backend, dir, clock)) {
            createChannel(server.admin(), hook, "[]");
            var rows = server.server().notifications().notifier().rowsFor(Alerts.fired("alr_1",
                    AlertKind.THRESHOLD, "acme", "tokens-month", 50, "50.0", clock.instant()));
            assertThat(server.admin().delete("/v1/channels/ops-hook").status()).isEqualTo(204);
            server.server().store().enqueue(rows);

            deliverForSteps(server, 2);

            assertThat(hook.received()).isEmpty();
            JsonNode dead = server.admin().get("/v1/deliveries?state=dead").json().get("deliveries");
            assertThat(dead.get(0).get("last_error").asText()).contains("ops-hook", "no longer exists");
        }
    }

    /** Creates the webhook channel {@code ops-hook} without a secret and returns the secret the server generated. */
    static String createChannel(Api admin, WebhookReceiver hook, String events) {
        Api.Response r = admin.put("/v1/channels/ops-hook", "{\"type\": \"webhook\", \"url\": \"" + hook.url()
                + "\", \"events\": " + events + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().get("secret").asText();
    }

    /**
     * Runs a round of the server's dispatcher, then {@code steps - 1} times moves the clock past every backoff and
     * runs another. A round waits for one in progress, so each step sees the attempts of the one before.
     */
    static void deliverForSteps(TestServer server, int steps) {
        Dispatcher dispatcher = server.server().notifications().dispatcher();
        dispatcher.dispatchDue();
        for (int i = 1; i < steps; i++) {
            server.clock().advance(STEP);
            dispatcher.dispatchDue();
        }
    }

    private static String alertId(String body) {
        try {
            return JSON.readTree(body).at("/data/id").asText();
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }
}
