package dev.tally.server.notify;

import dev.tally.core.notify.Channel;
import dev.tally.core.notify.Notification;
import dev.tally.core.notify.Transport;
import dev.tally.core.notify.WebhookSignature;

import java.io.IOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.InstantSource;

/**
 * Posts an outbox row's payload to its webhook URL, signed in the Standard Webhooks style ({@code webhook-id},
 * {@code webhook-timestamp}, {@code webhook-signature}), as a plain HTTP/1.1 request. Any 2xx answer is a delivery;
 * everything else (other statuses, redirects, which are not followed, timeouts, refused connections) is a failed
 * attempt. A URL whose host is or resolves to an internal address that {@link WebhookTargets} does not allow is
 * refused before anything is sent, and that refusal is permanent: retrying cannot make it succeed.
 */
public final class WebhookTransport implements Transport {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    /** How much of a failing receiver's answer is kept in the delivery log. */
    private static final int MAX_ERROR_BODY = 200;

    private final HttpClient http;
    private final InstantSource clock;
    private final WebhookTargets targets;

    /**
     * @param clock   the time of each attempt's {@code webhook-timestamp}
     * @param targets which addresses deliveries may reach
     */
    public WebhookTransport(InstantSource clock, WebhookTargets targets) {
        this.clock = clock;
        this.targets = targets;
        // HTTP/1.1 only: the client's default (HTTP/2) offers "Upgrade: h2c" on plain http, which receivers behind
        // strict proxies reject and which no webhook needs.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public Outcome deliver(Channel channel, Notification n) {
        if (channel.secret() == null) {
            return Outcome.failure(null, "channel " + channel.id() + " has no signing secret");
        }
        URI url = URI.create(n.recipient());
        try {
            String refusal = targets.refusalAtDelivery(url);
            if (refusal != null) {
                return Outcome.refused("refused: " + refusal);
            }
        } catch (UnknownHostException e) {
            return Outcome.failure(null, "the host of " + url + " does not resolve: " + e.getMessage());
        }
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Tally-Webhooks/1")
                .header("webhook-id", n.id())
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", WebhookSignature.sign(channel.secret(), n.id(), timestamp, n.payload()))
                .POST(HttpRequest.BodyPublishers.ofString(n.payload()))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return Outcome.success(status);
            }
            return Outcome.failure(status, "HTTP " + status + answer(response.body()));
        } catch (HttpTimeoutException e) {
            return Outcome.failure(null, "timed out: " + e.getMessage());
        } catch (IOException e) {
            return Outcome.failure(null, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.failure(null, "interrupted (the server is stopping)");
        }
    }

    private static String answer(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String trimmed = body.strip();
        return ": " + (trimmed.length() > MAX_ERROR_BODY ? trimmed.substring(0, MAX_ERROR_BODY) + "..." : trimmed);
    }
}
