package dev.tally.server.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.notify.Channel;
import dev.tally.core.notify.Notification;
import dev.tally.core.notify.Transport;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Date;
import java.util.Properties;

/**
 * Sends an outbox row as an e-mail over SMTP (Jakarta Mail through Eclipse Angus): one message to the row's
 * recipient, {@code multipart/alternative} with a plain-text and an HTML part. Connecting, reading and writing are
 * bounded by the configured timeout; the outbox row's id goes into {@code Message-ID}, so a retried mail is
 * recognisable as the same message.
 */
public final class EmailTransport implements Transport {
    private final SmtpSettings smtp;
    private final Session session;
    private final ObjectMapper json;
    private final InstantSource clock;

    public EmailTransport(SmtpSettings smtp, ObjectMapper json, InstantSource clock) {
        this.smtp = smtp;
        this.json = json;
        this.clock = clock;
        this.session = Session.getInstance(properties(smtp));
    }

    private static Properties properties(SmtpSettings smtp) {
        String millis = Long.toString(smtp.timeout().toMillis());
        Properties p = new Properties();
        String protocol = smtp.ssl() ? "smtps" : "smtp";
        p.put("mail.transport.protocol", protocol);
        p.put("mail." + protocol + ".host", smtp.host());
        p.put("mail." + protocol + ".port", Integer.toString(smtp.port()));
        p.put("mail." + protocol + ".connectiontimeout", millis);
        p.put("mail." + protocol + ".timeout", millis);
        p.put("mail." + protocol + ".writetimeout", millis);
        p.put("mail." + protocol + ".auth", Boolean.toString(smtp.username() != null));
        if (smtp.startTls()) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
        }
        return p;
    }

    @Override
    public Outcome deliver(Channel channel, Notification n) {
        try {
            MimeMessage message = message(n);
            if (smtp.username() == null) {
                jakarta.mail.Transport.send(message);
            } else {
                jakarta.mail.Transport.send(message, smtp.username(), smtp.password());
            }
            return Outcome.success(250);
        } catch (SMTPSendFailedException e) {
            return Outcome.failure(e.getReturnCode(), "SMTP " + e.getReturnCode() + ": " + e.getMessage());
        } catch (MessagingException | IOException e) {
            return Outcome.failure(null, e.toString());
        }
    }

    private MimeMessage message(Notification n) throws MessagingException, IOException {
        AlertEmail email = AlertEmail.of(json.readTree(n.payload()));
        String messageId = n.id();
        MimeMessage message = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", "<" + messageId + "@tally>");
            }
        };
        message.setFrom(new InternetAddress(smtp.from()));
        message.setRecipients(Message.RecipientType.TO, InternetAddress.parse(n.recipient()));
        message.setSubject(email.subject(), StandardCharsets.UTF_8.name());
        message.setSentDate(Date.from(clock.instant()));
        MimeBodyPart text = new MimeBodyPart();
        text.setText(email.text(), StandardCharsets.UTF_8.name(), "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(email.html(), StandardCharsets.UTF_8.name(), "html");
        MimeMultipart alternative = new MimeMultipart("alternative", text, html);
        message.setContent(alternative);
        return message;
    }
}
