package dev.tally.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import dev.tally.server.testing.WebhookReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The channels API, the customer contact address, and channel configuration in {@code tally.yaml}. */
class ChannelApiTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path dir;

    private TestServer server;
    private Api admin;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-22T10:00:00Z"));
        admin = server.admin();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void putWebhook_withoutSecret_generatesOneShownOnce_andKeepsItOnReplace() {
        Api.Response created = admin.put("/v1/channels/ops-hook",
                "{\"type\": \"webhook\", \"url\": \"https://hooks.example.com/t\"}");

        assertThat(created.status()).isEqualTo(201);
        String secret = created.json().get("secret").asText();
        assertThat(secret).startsWith("whsec_");
        JsonNode read = admin.get("/v1/channels/ops-hook").json();
        assertThat(read.has("secret")).isFalse();
        assertThat(read.get("secret_set").asBoolean()).isTrue();
        assertThat(read.get("events")).isEmpty();

        Api.Response replaced = admin.put("/v1/channels/ops-hook",
                "{\"type\": \"webhook\", \"url\": \"https://hooks.example.com/u\", \"events\": [\"alert.cost\"]}");

        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.json().has("secret")).isFalse();
        assertThat(server.server().store().channel("ops-hook").orElseThrow().secret()).isEqualTo(secret);
        assertThat(admin.get("/v1/channels").json().at("/channels/0/url").asText())
                .isEqualTo("https://hooks.example.com/u");
    }

    @Test
    void putWebhook_withSecret_storesItAsGiven() {
        Api.Response r = admin.put("/v1/channels/ops-hook", "{\"type\": \"webhook\", \"url\": "
                + "\"https://hooks.example.com/t\", \"secret\": \"" + SECRET + "\"}");

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().has("secret")).isFalse();
        assertThat(server.server().store().channel("ops-hook").orElseThrow().secret()).isEqualTo(SECRET);
    }

    @Test
    void putChannel_badFields_answers400NamingEachField() {
        assertProblem(admin.put("/v1/channels/x", "{\"type\": \"sms\"}"), "type", "webhook or email");
        assertProblem(admin.put("/v1/channels/x", "{\"type\": \"webhook\"}"), "url", "is required");
        assertProblem(admin.put("/v1/channels/x", "{\"type\": \"webhook\", \"url\": \"ftp://x.example\"}"), "url",
                "http or https");
        assertProblem(admin.put("/v1/channels/x", "{\"type\": \"webhook\", \"url\": \"https://x.example\", "
                + "\"secret\": \"s3cret\"}"), "secret", "whsec_");
        assertProblem(admin.put("/v1/channels/x", "{\"type\": \"webhook\", \"url\": \"https://x.example\", "
                + "\"events\": [\"alert.nope\"]}"), "events[0]", "alert.threshold");
        assertProblem(admin.put("/v1/channels/x", "{\"type\": \"webhook\", \"url\": \"https://x.example\", "
                + "\"to\": [\"a@b.example\"]}"), "to", "only for email");
        assertProblem(admin.put("/v1/channels/x", "{\"type\": \"webhook\", \"url\": \"https://x.example\", "
                + "\"colour\": 1}"), "colour", "not a known field");
        assertProblem(admin.put("/v1/channels/bad%20id", "{\"type\": \"webhook\", \"url\": \"https://x.example\"}"),
                "channel_id", "1-128");
        assertThat(admin.get("/v1/channels").json().get("channels")).isEmpty();
    }

    @Test
    void putEmailChannel_withoutSmtp_answers400NamingType() {
        assertProblem(admin.put("/v1/channels/mail", "{\"type\": \"email\", \"to\": [\"ops@example.com\"]}"),
                "type", "smtp");
    }

    @Test
    void deleteChannel_thenGet_is404() {
        admin.put("/v1/channels/ops-hook", "{\"type\": \"webhook\", \"url\": \"https://hooks.example.com/t\"}");

        assertThat(admin.delete("/v1/channels/ops-hook").status()).isEqualTo(204);
        assertThat(admin.get("/v1/channels/ops-hook").status()).isEqualTo(404);
        assertThat(admin.delete("/v1/channels/ops-hook").status()).isEqualTo(404);
    }

    @Test
    void channels_needTheAdminKey() {
        assertThat(admin.as(null).get("/v1/channels").status()).isEqualTo(401);
        assertThat(admin.as("wrong").get("/v1/deliveries").status()).isEqualTo(401);
    }

    @Test
    void testEvent_isDeliveredSigned() throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(0)) {
            String secret = WebhookDeliveryTest.createChannel(admin, hook, "[\"alert.exceeded\"]");

            Api.Response r = admin.post("/v1/channels/ops-hook/test", null);
            server.server().notifications().dispatcher().dispatchDue();

            assertThat(r.status()).isEqualTo(202);
            assertThat(r.json().at("/deliveries/0/state").asText()).isEqualTo("pending");
            assertThat(hook.accepted()).hasSize(1);
            assertThat(hook.accepted().get(0).body()).contains("\"type\":\"channel.test\"");
            assertThat(WebhookReceiver.verify(hook.accepted().get(0), secret)).isTrue();
            assertThat(admin.post("/v1/channels/none/test", null).status()).isEqualTo(404);
        }
    }

    @Test
    void deliveries_badStateOrCursor_answers400() {
        assertProblem(admin.get("/v1/deliveries?state=lost"), "state", "pending, failed, delivered, dead");
        assertProblem(admin.get("/v1/deliveries?cursor=%21%21"), "cursor", "not a cursor");
        assertThat(admin.get("/v1/deliveries/msg_none").status()).isEqualTo(404);
    }

    @Test
    void deliveries_pageNewestFirst() throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(0)) {
            WebhookDeliveryTest.createChannel(admin, hook, "[]");
            for (int i = 0; i < 3; i++) {
                admin.post("/v1/channels/ops-hook/test", null);
                server.clock().advance(java.time.Duration.ofSeconds(1));
            }

            JsonNode first = admin.get("/v1/deliveries?limit=2").json();
            JsonNode second = admin.get("/v1/deliveries?limit=2&cursor=" + first.get("next_cursor").asText())
                    .json();

            assertThat(first.get("deliveries")).hasSize(2);
            assertThat(second.get("deliveries")).hasSize(1);
            assertThat(second.get("next_cursor").isNull()).isTrue();
            assertThat(first.at("/deliveries/0/created_at").asText()).isEqualTo("2026-11-22T10:00:02Z");
            assertThat(second.at("/deliveries/0/created_at").asText()).isEqualTo("2026-11-22T10:00:00Z");
        }
    }

    @Test
    void customerEmail_isStoredAndShown_andAnInvalidOneIs400() {
        Api.Response ok = admin.put("/v1/customers/acme", "{\"email\": \"billing@acme.example\"}");
        assertThat(ok.status()).isEqualTo(201);
        assertThat(admin.get("/v1/customers/acme").json().get("email").asText()).isEqualTo("billing@acme.example");

        assertProblem(admin.put("/v1/customers/acme", "{\"email\": \"not an address\"}"), "email",
                "e-mail address");
        assertThat(admin.get("/v1/customers/acme").json().get("email").asText()).isEqualTo("billing@acme.example");
    }

    @Test
    void configFile_channels_areSeeded_andABadOneStopsTheStart() throws Exception {
        Path yaml = dir.resolve("good.yaml");
        Files.writeString(yaml, """
                channels:
                  - {id: yaml-hook, type: webhook, url: "https://hooks.example.com/y", secret: "%s",
                     events: [alert.threshold]}
                """.formatted(SECRET));
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                channels:
                  - {id: yaml-hook, type: webhook, url: "not a url"}
                """);
        server.close();
        String url = server.databaseUrl();

        server = TestServer.startOn(url, dir, server.clock(), yaml);
        assertThat(server.server().store().channel("yaml-hook").orElseThrow().secret()).isEqualTo(SECRET);
        server.close();

        assertThatThrownBy(() -> TestServer.startOn(url, dir, MutableClock.at("2026-11-22T10:00:00Z"), bad))
                .hasMessageContaining("channels[0].url");
        server = TestServer.startOn(url, dir, MutableClock.at("2026-11-22T10:00:00Z"));
    }

    @Test
    void configFile_smtpWithUsername_takesThePasswordFromTheEnvironmentOnly() throws Exception {
        Path yaml = dir.resolve("smtp.yaml");
        Files.writeString(yaml, """
                smtp: {host: smtp.example.com, from: tally@example.com, username: tally, starttls: true}
                """);
        dev.tally.server.config.ConfigFile file = dev.tally.server.config.ConfigFile.read(yaml);

        assertThatThrownBy(() -> file.smtp(java.util.Map.of())).hasMessageContaining("smtp.username")
                .hasMessageContaining(SmtpSettings.PASSWORD_VARIABLE);
        SmtpSettings smtp = file.smtp(java.util.Map.of(SmtpSettings.PASSWORD_VARIABLE, "pw-123"));
        assertThat(smtp.password()).isEqualTo("pw-123");
        assertThat(smtp.port()).isEqualTo(SmtpSettings.DEFAULT_PORT);
        assertThat(smtp.startTls()).isTrue();
        assertThat(smtp.toString()).doesNotContain("pw-123");
    }

    private static void assertProblem(Api.Response r, String field, String messagePart) {
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        JsonNode errors = r.json().get("errors");
        assertThat(errors).as(r.toString()).anySatisfy(e -> {
            assertThat(e.get("field").asText()).isEqualTo(field);
            assertThat(e.get("message").asText()).contains(messagePart);
        });
    }
}
