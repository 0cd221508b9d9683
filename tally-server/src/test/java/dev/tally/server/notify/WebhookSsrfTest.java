package dev.tally.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import dev.tally.server.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 11, point 8: webhooks may not be aimed at the server itself, its network or the cloud metadata service,
 * neither by an address literal (refused when the channel is written) nor by a name that resolves there (refused at
 * delivery, for good). Real servers, a real receiver on loopback, which only an explicit allow-list lets through.
 */
class WebhookSsrfTest {
    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");

    /** A server with the default policy: public addresses only. */
    private TestServer publicOnly() {
        return TestServer.startWith(Backend.SQLITE, dir, clock, b -> b.webhookTargets(WebhookTargets.PUBLIC_ONLY));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/hook",
            "http://2130706433/", "http://0x7f.1/", "http://[::ffff:127.0.0.1]/", "http://127.0.0.1:9/hook",
            "http://10.0.0.5/hook", "http://192.168.1.10/", "http://100.64.1.1/", "http://0.0.0.0:8080/",
            "http://[fd00:ec2::254]/", "http://[fe80::1]/"})
    void putChannel_urlIsInternalAddressLiteral_is400NamingUrl(String url) {
        try (TestServer server = publicOnly()) {
            Api.Response r = server.admin().put("/v1/channels/ops-hook",
                    "{\"type\": \"webhook\", \"url\": \"" + url + "\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.json().get("errors")).as(r.toString()).anySatisfy(e -> {
                assertThat(e.get("field").asText()).isEqualTo("url");
                assertThat(e.get("message").asText()).contains("internal address", "webhook_allow_internal");
            });
            assertThat(server.admin().get("/v1/channels").json().get("channels")).isEmpty();
        }
    }

    @Test
    void delivery_nameResolvingToLoopback_isDeadAfterOneAttempt_andNothingReachesTheReceiver() throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(0); TestServer server = publicOnly()) {
            // A name is not looked up when the channel is written...
            Api.Response put = server.admin().put("/v1/channels/ops-hook",
                    "{\"type\": \"webhook\", \"url\": \"" + hook.url("localhost") + "\"}");
            assertThat(put.status()).as(put.toString()).isEqualTo(201);
            assertThat(server.admin().post("/v1/channels/ops-hook/test", null).status()).isEqualTo(202);

            // ...but what it resolves to is checked before anything is sent, and the refusal is final.
            for (int round = 0; round < 3; round++) {
                server.server().notifications().dispatcher().dispatchDue();
                clock.advance(Duration.ofHours(3));
            }

            assertThat(hook.received()).isEmpty();
            JsonNode dead = server.admin().get("/v1/deliveries?state=dead").json().get("deliveries");
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).get("attempts").asInt()).isEqualTo(1);
            assertThat(dead.get(0).get("next_attempt_at").isNull()).isTrue();
            assertThat(dead.get(0).get("last_error").asText())
                    .contains("refused", "localhost", "loopback", "webhook_allow_internal");
            assertThat(server.admin().get("/v1/deliveries?state=failed").json().get("deliveries")).isEmpty();
        }
    }

    @Test
    void delivery_allowedHostName_reachesAnInternalReceiver() throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(0);
             TestServer server = TestServer.startWith(Backend.SQLITE, dir, clock,
                     b -> b.webhookTargets(WebhookTargets.parse("localhost")))) {
            assertThat(server.admin().put("/v1/channels/ops-hook",
                    "{\"type\": \"webhook\", \"url\": \"" + hook.url("localhost") + "\"}").status()).isEqualTo(201);
            server.admin().post("/v1/channels/ops-hook/test", null);
            server.server().notifications().dispatcher().dispatchDue();
            assertThat(hook.accepted()).hasSize(1);
        }
    }

    @Test
    void delivery_plainHttp_isHttp11WithoutAnUpgradeOffer() throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(0);
             TestServer server = TestServer.start(Backend.SQLITE, dir, clock)) {
            WebhookDeliveryTest.createChannel(server.admin(), hook, "[]");
            server.admin().post("/v1/channels/ops-hook/test", null);
            server.server().notifications().dispatcher().dispatchDue();

            assertThat(hook.accepted()).hasSize(1);
            var headers = hook.accepted().get(0).headers();
            assertThat(headers).doesNotContainKeys("upgrade", "http2-settings");
            assertThat(headers.getOrDefault("connection", java.util.List.of()).toString())
                    .doesNotContainIgnoringCase("upgrade");
        }
    }

    @Test
    void configFile_internalChannelUrl_failsStartNamingTheField_unlessAllowed() throws Exception {
        Path yaml = dir.resolve("tally.yaml");
        Files.writeString(yaml, """
                channels:
                  - {id: meta, type: webhook, url: "http://169.254.169.254/latest/meta-data/"}
                """);
        assertThatThrownBy(() -> TestServer.startWith(Backend.SQLITE, dir, clock,
                b -> b.webhookTargets(WebhookTargets.PUBLIC_ONLY).configFile(yaml)))
                .hasMessageContaining("channels[0].url").hasMessageContaining("cloud metadata");

        Files.writeString(yaml, """
                server: {webhook_allow_internal: ["169.254.169.254"]}
                channels:
                  - {id: meta, type: webhook, url: "http://169.254.169.254/latest/meta-data/"}
                """);
        try (TestServer server = TestServer.startWithConfig(Backend.SQLITE, dir, clock, yaml)) {
            assertThat(server.admin().get("/v1/channels/meta").status()).isEqualTo(200);
        }
    }
}
