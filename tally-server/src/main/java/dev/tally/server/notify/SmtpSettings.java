package dev.tally.server.notify;

import java.time.Duration;
import java.util.Objects;

/**
 * How e-mail leaves the server: the {@code smtp:} section of {@code tally.yaml}, with the password from the
 * environment ({@code TALLY_SMTP_PASSWORD}) so that it never sits in the file.
 *
 * @param host     the SMTP server
 * @param port     its port (587 for submission with STARTTLS, 465 for implicit TLS, 25 plain)
 * @param from     the sender address
 * @param username the login, or null to send without authentication
 * @param password the password, or null
 * @param startTls whether to require STARTTLS
 * @param ssl      whether to connect with implicit TLS (port 465)
 * @param timeout  the bound on connecting, reading and writing
 */
public record SmtpSettings(String host, int port, String from, String username, String password, boolean startTls,
                           boolean ssl, Duration timeout) {
    /** The default port: submission. */
    public static final int DEFAULT_PORT = 587;
    /** The default timeout of each SMTP step. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** The environment variable holding the password. */
    public static final String PASSWORD_VARIABLE = "TALLY_SMTP_PASSWORD";

    public SmtpSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(timeout, "timeout");
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("smtp port must be 1-65535, was " + port);
        }
    }

    @Override
    public String toString() {
        // Never the password.
        return "SmtpSettings[" + host + ":" + port + ", from " + from + ", user " + username + "]";
    }
}
