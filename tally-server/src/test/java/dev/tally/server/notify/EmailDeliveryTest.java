package dev.tally.server.notify;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.tally.core.alert.AlertKind;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** E-mail notifications through a real server to GreenMail, an SMTP server on a free port. */
class EmailDeliveryTest {
    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
    private GreenMail smtp;
    private int smtpPort;

    @BeforeEach
    void startSmtp() {
        smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        smtpPort = smtp.getSmtp().getPort();
    }

    @AfterEach
    void stopSmtp() {
        smtp.stop();
    }

    private TestServer start(String channels) throws Exception {
        Path yaml = dir.resolve("tally.yaml");
        Files.writeString(yaml, """
                smtp:
                  host: 127.0.0.1
                  port: %d
                  from: tally@example.com
                  timeout_seconds: 5
                channels:
                %s
                """.formatted(smtpPort, channels));
        return TestServer.startOn(Backend.SQLITE.freshUrl(dir), dir, clock, yaml);
    }

    @Test
    void alert_reachesTheOperatorsAndTheCustomerContact_asPlainAndHtml_withCustomerLimitAndPercent()
            throws Exception {
        try (TestServer server = start("  - {id: ops-mail, type: email, to: [ops@example.com], "
                + "customer_contact: true}")) {
            Api.Response put = server.admin().put("/v1/customers/acme",
                    "{\"name\": \"Acme Corp\", \"email\": \"billing@acme.example\"}");
            assertThat(put.status()).as(put.toString()).isEqualTo(201);

            server.server().notifications().notifier().fired(Alerts.fired("alr_1", AlertKind.THRESHOLD, "acme",
                    "tokens-month", 80, "85.0", clock.instant()));
            server.server().notifications().dispatcher().dispatchDue();

            MimeMessage[] mails = smtp.getReceivedMessages();
            assertThat(mails).hasSize(2);
            assertThat(Arrays.stream(mails).map(m -> recipient(m)).toList())
                    .containsExactlyInAnyOrder("ops@example.com", "billing@acme.example");
            MimeMessage mail = mails[0];
            assertThat(mail.getSubject()).contains("acme", "tokens-month", "85.0%");
            assertThat(mail.getFrom()[0].toString()).isEqualTo("tally@example.com");
            MimeMultipart parts = (MimeMultipart) mail.getContent();
            assertThat(parts.getContentType()).startsWith("multipart/alternative");
            assertThat(parts.getCount()).isEqualTo(2);
            BodyPart text = parts.getBodyPart(0);
            BodyPart html = parts.getBodyPart(1);
            assertThat(text.getContentType()).startsWith("text/plain");
            assertThat(html.getContentType()).startsWith("text/html");
            for (BodyPart part : List.of(text, html)) {
                assertThat((String) part.getContent()).contains("acme", "tokens-month", "85.0%", "80%");
            }
            assertThat((String) html.getContent()).contains("<table>");
            assertThat(server.admin().get("/v1/deliveries?channel=ops-mail&state=delivered").json()
                    .get("deliveries")).hasSize(2);
        }
    }

    @Test
    void smtpDown_isRetriedAndDeliveredOnceItIsBack() throws Exception {
        try (TestServer server = start("  - {id: ops-mail, type: email, to: [ops@example.com]}")) {
            smtp.stop();
            server.server().notifications().notifier().fired(Alerts.fired("alr_1", AlertKind.EXCEEDED, "acme",
                    "requests-month", null, "100.0", clock.instant()));
            server.server().notifications().dispatcher().dispatchDue();
            Api.Response failed = server.admin().get("/v1/deliveries?state=failed");
            assertThat(failed.json().get("deliveries")).hasSize(1);
            assertThat(failed.json().at("/deliveries/0/last_error").asText()).isNotBlank();

            smtp = new GreenMail(ServerSetupTest.SMTP.port(smtpPort));
            smtp.start();
            server.clock().advance(java.time.Duration.ofMinutes(1));
            server.server().notifications().dispatcher().dispatchDue();

            assertThat(smtp.getReceivedMessages()).hasSize(1);
            assertThat(smtp.getReceivedMessages()[0].getSubject()).contains("acme", "requests-month", "100.0%");
        }
    }

    @Test
    void customerContact_withoutAnAddress_sendsOnlyToTheOperators() throws Exception {
        try (TestServer server = start("  - {id: ops-mail, type: email, to: [ops@example.com], "
                + "customer_contact: true, events: [alert.exceeded]}")) {
            server.admin().put("/v1/customers/globex", "{}");

            server.server().notifications().notifier().fired(Alerts.fired("alr_1", AlertKind.EXCEEDED, "globex",
                    "requests-month", null, "100.0", clock.instant()));
            server.server().notifications().notifier().fired(Alerts.fired("alr_2", AlertKind.THRESHOLD, "globex",
                    "requests-month", 50, "50.0", clock.instant()));
            server.server().notifications().dispatcher().dispatchDue();

            assertThat(smtp.getReceivedMessages()).extracting(EmailDeliveryTest::recipient)
                    .containsExactly("ops@example.com");
        }
    }

    private static String recipient(MimeMessage m) {
        try {
            return m.getRecipients(Message.RecipientType.TO)[0].toString();
        } catch (jakarta.mail.MessagingException e) {
            throw new AssertionError(e);
        }
    }
}
