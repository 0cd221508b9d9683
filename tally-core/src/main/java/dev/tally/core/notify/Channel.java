package dev.tally.core.notify;

import java.util.List;
import java.util.Objects;

/**
 * A configured way out for notifications: a webhook endpoint or a list of e-mail recipients.
 *
 * @param id              the channel's id, e.g. {@code ops-hook}
 * @param type            webhook or e-mail
 * @param url             the webhook endpoint; null for e-mail
 * @param secret          the webhook signing secret as written ({@code whsec_<base64>}); null for e-mail
 * @param events          the event types it receives ({@code alert.threshold}, ...); empty for every type
 * @param to              the e-mail recipients (the operators); empty for a webhook
 * @param customerContact whether e-mails also go to the contact address of the alert's customer
 */
public record Channel(String id, ChannelType type, String url, String secret, List<String> events, List<String> to,
                      boolean customerContact) {
    public Channel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        events = List.copyOf(events);
        to = List.copyOf(to);
    }

    /** Whether this channel takes events of this type. */
    public boolean accepts(String eventType) {
        return events.isEmpty() || events.contains(eventType);
    }

    /** The same channel with another secret. */
    public Channel withSecret(String newSecret) {
        return new Channel(id, type, url, newSecret, events, to, customerContact);
    }
}
