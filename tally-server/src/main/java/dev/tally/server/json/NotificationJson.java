package dev.tally.server.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.alert.Alert;
import dev.tally.core.alert.AlertKind;
import dev.tally.core.customer.EmailAddresses;
import dev.tally.core.customer.Ids;
import dev.tally.core.notify.Channel;
import dev.tally.core.notify.ChannelType;
import dev.tally.core.notify.DeliveryAttempt;
import dev.tally.core.notify.EventPayloads;
import dev.tally.core.notify.Notification;
import dev.tally.core.notify.WebhookSignature;
import dev.tally.core.problem.Problems;
import dev.tally.server.notify.WebhookTargets;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Notification channels, webhook event bodies and the delivery log in JSON. An event body is
 * {@code {"type": "alert.threshold", "timestamp": "...", "data": {...the alert as /v1/alerts shows it...}}}.
 */
public final class NotificationJson implements EventPayloads {
    /** The event type of {@code POST /v1/channels/{id}/test}. */
    public static final String TEST_EVENT = "channel.test";
    private static final int MAX_RECIPIENTS = 50;

    private final ObjectMapper json;
    private final WebhookTargets webhookTargets;

    /**
     * @param json           the mapper
     * @param webhookTargets which addresses webhooks may reach: a URL naming another address literal is refused
     */
    public NotificationJson(ObjectMapper json, WebhookTargets webhookTargets) {
        this.json = json;
        this.webhookTargets = webhookTargets;
    }

    /** Every event type a channel may subscribe to: {@code alert.<kind>}. */
    public static List<String> alertEventTypes() {
        return Arrays.stream(AlertKind.values()).map(k -> "alert." + k.wireName()).toList();
    }

    @Override
    public String alertEvent(Alert alert) {
        ObjectNode event = json.createObjectNode();
        event.put("type", alert.eventType());
        event.put("timestamp", RecordedTime.format(alert.createdAt()));
        // The alert as /v1/alerts shows it, so receivers parse one shape.
        event.set("data", new AlertJson(json).write(alert));
        return write(event);
    }

    /** The body of a test event sent through one channel. */
    public String testEvent(String channelId, Instant now) {
        ObjectNode event = json.createObjectNode();
        event.put("type", TEST_EVENT);
        event.put("timestamp", RecordedTime.format(now));
        ObjectNode data = event.putObject("data");
        data.put("channel", channelId);
        data.put("message", "A test notification from Tally through channel " + channelId + ".");
        return write(event);
    }

    /**
     * Parses the body of {@code PUT /v1/channels/{id}} (or one entry of {@code channels:} in {@code tally.yaml}).
     * A webhook without a {@code secret} keeps the {@code existing} channel's secret, or gets none (the caller
     * generates one).
     *
     * @param smtpConfigured whether e-mail can be sent at all; an e-mail channel without it is refused
     */
    public Channel parseChannel(String id, JsonNode body, Channel existing, boolean smtpConfigured) {
        Problems problems = new Problems();
        if (!Ids.isValid(id)) {
            problems.add("channel_id", Ids.RULE + ", was \"" + id + "\"");
        }
        JsonFields f = new JsonFields(body, "", problems);
        String typeName = f.text("type", true);
        ChannelType type = typeName == null ? null : ChannelType.fromWire(typeName).orElse(null);
        if (typeName != null && type == null) {
            problems.add("type", "must be webhook or email, was \"" + typeName + "\"");
        }
        List<String> events = events(f.raw("events"), problems);
        Channel channel = null;
        if (type == ChannelType.WEBHOOK) {
            channel = webhook(id, f, events, existing, problems);
        } else if (type == ChannelType.EMAIL) {
            channel = email(id, f, events, smtpConfigured, problems);
        }
        f.rejectUnknown();
        problems.throwIfAny("The channel is not valid; nothing was changed");
        return channel;
    }

    private Channel webhook(String id, JsonFields f, List<String> events, Channel existing, Problems problems) {
        String url = f.text("url", true);
        String refusal = url == null ? null : refusalOfLiteral(url);
        if (refusal != null) {
            problems.add("url", "must not point at an internal address: " + refusal);
        } else if (url != null && !isHttpUrl(url)) {
            problems.add("url", "must be an absolute http or https URL, was \"" + url + "\"");
        }
        String secret = f.text("secret", false);
        if (secret != null && !WebhookSignature.isValidSecret(secret)) {
            problems.add("secret", WebhookSignature.SECRET_RULE);
        }
        if (secret == null && existing != null && existing.type() == ChannelType.WEBHOOK) {
            secret = existing.secret();
        }
        onlyFor(f, "email", problems, "to", "customer_contact");
        return new Channel(id, ChannelType.WEBHOOK, url, secret, events, List.of(), false);
    }

    private static Channel email(String id, JsonFields f, List<String> events, boolean smtpConfigured,
                                 Problems problems) {
        if (!smtpConfigured) {
            problems.add("type", "email channels need the smtp section of tally.yaml, which is not configured");
        }
        List<String> to = addresses(f.raw("to"), problems);
        Boolean customerContact = bool(f, "customer_contact", problems);
        boolean toCustomer = customerContact != null && customerContact;
        JsonNode toNode = f.raw("to");
        if (to.isEmpty() && !toCustomer && (toNode == null || toNode.isArray() && toNode.isEmpty())) {
            problems.add("to", "must name at least one address unless customer_contact is true");
        }
        onlyFor(f, "webhook", problems, "url", "secret");
        return new Channel(id, ChannelType.EMAIL, null, null, events, to, toCustomer);
    }

    private static void onlyFor(JsonFields f, String type, Problems problems, String... fields) {
        for (String field : fields) {
            if (f.has(field)) {
                f.raw(field);
                problems.add(field, "is only for " + type + " channels");
            }
        }
    }

    private static List<String> events(JsonNode node, Problems problems) {
        List<String> events = new ArrayList<>();
        if (node == null) {
            return events;
        }
        if (!node.isArray()) {
            problems.add("events", "must be a list of event types, was " + JsonFields.describe(node));
            return events;
        }
        List<String> known = alertEventTypes();
        for (int i = 0; i < node.size(); i++) {
            JsonNode e = node.get(i);
            if (!e.isTextual() || !known.contains(e.asText())) {
                problems.add("events[" + i + "]", "must be one of " + String.join(", ", known) + ", was "
                        + JsonFields.describe(e));
            } else if (!events.contains(e.asText())) {
                events.add(e.asText());
            }
        }
        return events;
    }

    private static List<String> addresses(JsonNode node, Problems problems) {
        List<String> to = new ArrayList<>();
        if (node == null) {
            return to;
        }
        if (!node.isArray() || node.size() > MAX_RECIPIENTS) {
            problems.add("to", "must be a list of at most " + MAX_RECIPIENTS + " e-mail addresses, was "
                    + JsonFields.describe(node));
            return to;
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode a = node.get(i);
            if (!a.isTextual() || !EmailAddresses.isValid(a.asText())) {
                problems.add("to[" + i + "]", EmailAddresses.RULE + ", was " + JsonFields.describe(a));
            } else if (!to.contains(a.asText().toLowerCase(Locale.ROOT))) {
                to.add(a.asText().toLowerCase(Locale.ROOT));
            }
        }
        return to;
    }

    private static Boolean bool(JsonFields f, String name, Problems problems) {
        JsonNode value = f.raw(name);
        if (value == null) {
            return null;
        }
        if (!value.isBoolean()) {
            problems.add(name, "must be true or false, was " + JsonFields.describe(value));
            return null;
        }
        return value.asBoolean();
    }

    /** Why a webhook URL whose host is an address literal may not be used, or null (names are checked later). */
    private String refusalOfLiteral(String url) {
        try {
            URI uri = new URI(url);
            return "http".equals(uri.getScheme()) || "https".equals(uri.getScheme())
                    ? webhookTargets.refusalOfLiteral(uri) : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            return uri.isAbsolute() && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /**
     * A channel as the API shows it. The secret is never shown again after it was set; {@code shownSecret} is the
     * one generated by this request, or null.
     */
    public ObjectNode writeChannel(Channel c, String shownSecret) {
        ObjectNode out = json.createObjectNode();
        out.put("id", c.id());
        out.put("type", c.type().wireName());
        if (c.type() == ChannelType.WEBHOOK) {
            out.put("url", c.url());
            out.put("secret_set", c.secret() != null);
            if (shownSecret != null) {
                out.put("secret", shownSecret);
            }
        } else {
            ArrayNode to = out.putArray("to");
            c.to().forEach(to::add);
            out.put("customer_contact", c.customerContact());
        }
        ArrayNode events = out.putArray("events");
        c.events().forEach(events::add);
        return out;
    }

    /** One outbox row with its delivery log. */
    public ObjectNode writeDelivery(Notification n, List<DeliveryAttempt> log) {
        ObjectNode out = json.createObjectNode();
        out.put("id", n.id());
        out.put("channel", n.channelId());
        out.put("recipient", n.recipient());
        out.put("type", n.eventType());
        out.put("state", n.state().wireName());
        out.put("attempts", n.attempts());
        out.put("next_attempt_at", n.state().isOpen() ? RecordedTime.format(n.nextAttemptAt()) : null);
        out.put("last_error", n.lastError());
        out.put("created_at", RecordedTime.format(n.createdAt()));
        out.put("delivered_at", RecordedTime.format(n.deliveredAt()));
        ArrayNode entries = out.putArray("log");
        for (DeliveryAttempt a : log) {
            ObjectNode e = entries.addObject();
            e.put("attempt", a.attempt());
            e.put("at", RecordedTime.format(a.at()));
            e.put("succeeded", a.succeeded());
            e.put("status_code", a.statusCode());
            e.put("error", a.error());
            e.put("duration_ms", a.durationMillis());
        }
        return out;
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing an event failed", e);
        }
    }
}
