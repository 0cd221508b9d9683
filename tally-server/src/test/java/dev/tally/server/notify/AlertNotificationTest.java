package dev.tally.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.json.Json;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import dev.tally.server.testing.WebhookReceiver;
import dev.tally.server.testing.WebhookReceiver.Received;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole chain with nothing constructed by hand: events posted over HTTP cross a limit's levels, the alert engine
 * stores the alerts, the notifier puts them in the outbox, and the dispatcher delivers them to a real webhook
 * receiver and a real SMTP server.
 */
class AlertNotificationTest {
    private static final ObjectMapper JSON = Json.mapper();

    @TempDir
    Path dir;

    private int eventSeq;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void usageCrossing50_80_100_reachesAFlakyWebhookExactlyOncePerAlert_signed(Backend backend) throws Exception {
        MutableClock clock = MutableClock.at("2026-11-02T09:00:00Z");
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(3);
             TestServer server = TestServer.start(backend, dir, clock)) {
            Api admin = server.admin();
            String secret = WebhookDeliveryTest.createChannel(admin, hook,
                    "[\"alert.threshold\", \"alert.exceeded\"]");
            setUpAcme(admin);

            for (long tokens : new long[]{550, 300, 200}) { // 55%, 85%, 105%
                clock.advance(Duration.ofHours(1));
                post(admin, "acme", tokens);
            }
            server.server().alerts().drain(Duration.ofSeconds(10));
            // Other kinds fire too (the model has no price, a forecast); the channel takes only these two.
            List<JsonNode> stored = alerts(admin).stream()
                    .filter(a -> List.of("threshold", "exceeded").contains(a.get("kind").asText())).toList();
            assertThat(stored).extracting(a -> a.get("kind").asText() + ":" + a.get("threshold").asText())
                    .containsExactlyInAnyOrder("threshold:50", "threshold:80", "threshold:100", "exceeded:null");

            WebhookDeliveryTest.deliverForSteps(server, 6);

            Map<String, Long> acceptedPerAlert = hook.accepted().stream()
                    .collect(Collectors.groupingBy(r -> field(r, "/data/id"), Collectors.counting()));
            assertThat(acceptedPerAlert).hasSize(4).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
            assertThat(acceptedPerAlert.keySet())
                    .containsExactlyInAnyOrderElementsOf(stored.stream().map(a -> a.get("id").asText()).toList());
            for (Received r : hook.received()) {
                assertThat(WebhookReceiver.verify(r, secret)).as("signature of %s", r).isTrue();
            }
            Received eighty = hook.accepted().stream()
                    .filter(r -> field(r, "/data/threshold").equals("80")).findFirst().orElseThrow();
            assertThat(field(eighty, "/type")).isEqualTo("alert.threshold");
            assertThat(field(eighty, "/data/customer")).isEqualTo("acme");
            assertThat(field(eighty, "/data/limit")).isEqualTo("tokens-month");
            assertThat(eighty.body()).contains("\"percent\":85.0"); // one decimal, as /v1/alerts shows it
        }
    }

    @Test
    void usageCrossing80_sendsAnEmailNamingCustomerLimitAndPercent() throws Exception {
        GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        try {
            Path yaml = dir.resolve("tally.yaml");
            Files.writeString(yaml, """
                    smtp: {host: 127.0.0.1, port: %d, from: tally@example.com, timeout_seconds: 5}
                    channels:
                      - {id: ops-mail, type: email, to: [ops@example.com], events: [alert.threshold]}
                    """.formatted(smtp.getSmtp().getPort()));
            MutableClock clock = MutableClock.at("2026-11-02T09:00:00Z");
            try (TestServer server = TestServer.startOn(Backend.SQLITE.freshUrl(dir), dir, clock, yaml)) {
                setUpAcme(server.admin());
                post(server.admin(), "acme", 850);
                server.server().alerts().drain(Duration.ofSeconds(10));
                server.server().notifications().dispatcher().dispatchDue();

                MimeMessage[] mails = smtp.getReceivedMessages();
                assertThat(mails).hasSize(2); // the 50% and the 80% level, both crossed by one event
                for (MimeMessage mail : mails) {
                    assertThat(subject(mail)).contains("acme", "tokens-month", "85.0%");
                    String text = (String) ((MimeMultipart) mail.getContent()).getBodyPart(0).getContent();
                    assertThat(text).contains("acme", "tokens-month", "85.0%");
                }
                String texts = Arrays.stream(mails).map(AlertNotificationTest::text)
                        .collect(Collectors.joining("\n"));
                assertThat(texts).contains("50%", "80%");
            }
        } finally {
            smtp.stop();
        }
    }

    private static void setUpAcme(Api admin) {
        assertThat(admin.put("/v1/plans/pro", """
                {"name": "Pro", "limits": [{"metric": "tokens", "window": "month", "amount": 1000, "mode": "soft"}]}
                """).status()).isIn(200, 201);
        assertThat(admin.put("/v1/customers/acme", "{\"name\": \"Acme\", \"plan\": \"pro\"}").status())
                .isIn(200, 201);
    }

    private void post(Api admin, String customer, long tokens) {
        Api.Response r = admin.post("/v1/events", "{\"id\": \"evt_" + (++eventSeq) + "\", \"customer\": \""
                + customer + "\", \"provider\": \"openai\", \"model\": \"gpt-4\", \"usage\": {\"input_tokens\": "
                + tokens + "}}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    private static List<JsonNode> alerts(Api admin) {
        Api.Response r = admin.get("/v1/alerts?customer=acme");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json().get("alerts").forEach(out::add);
        return out;
    }

    private static String field(Received r, String pointer) {
        try {
            return JSON.readTree(r.body()).at(pointer).asText();
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    private static String text(MimeMessage m) {
        try {
            return (String) ((MimeMultipart) m.getContent()).getBodyPart(0).getContent();
        } catch (IOException | MessagingException e) {
            throw new AssertionError(e);
        }
    }

    private static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (MessagingException e) {
            throw new AssertionError(e);
        }
    }
}
