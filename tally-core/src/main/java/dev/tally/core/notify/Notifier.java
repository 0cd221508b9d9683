package dev.tally.core.notify;

import dev.tally.core.alert.Alert;
import dev.tally.core.alert.AlertListener;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Turns a fired alert into outbox rows: one per webhook channel that takes its event type, and one per recipient of
 * every such e-mail channel (the operators, plus the customer's contact address when the channel asks for it). It
 * only writes rows; the {@link Dispatcher} sends them. Row ids are derived from the alert, channel and recipient, so
 * an alert reported twice is still sent once.
 */
public final class Notifier implements AlertListener {
    private final NotificationStore store;
    private final EventPayloads payloads;
    private final Function<String, Optional<String>> customerContact;
    private final InstantSource clock;
    private final BiConsumer<Alert, RuntimeException> onFailure;

    /**
     * @param store           channels and the outbox
     * @param payloads        writes the event body
     * @param customerContact the contact address of a customer id, or empty
     * @param clock           stamps the rows
     * @param onFailure       told when an alert could not be put in the outbox (logged by the server)
     */
    public Notifier(NotificationStore store, EventPayloads payloads, Function<String, Optional<String>> customerContact,
                    InstantSource clock, BiConsumer<Alert, RuntimeException> onFailure) {
        this.store = store;
        this.payloads = payloads;
        this.customerContact = customerContact;
        this.clock = clock;
        this.onFailure = onFailure;
    }

    /** Enqueues the alert for every channel that takes it; never throws (the listener contract). */
    @Override
    public void fired(Alert alert) {
        try {
            store.enqueue(rowsFor(alert));
        } catch (RuntimeException e) {
            onFailure.accept(alert, e);
        }
    }

    /** The outbox rows for an alert, without storing them. */
    public List<Notification> rowsFor(Alert alert) {
        String type = alert.eventType();
        String payload = payloads.alertEvent(alert);
        List<Notification> rows = new ArrayList<>();
        for (Channel channel : store.channels()) {
            if (!channel.accepts(type)) {
                continue;
            }
            for (String recipient : recipients(channel, alert)) {
                rows.add(Notification.pending(messageId(alert.id(), channel.id(), recipient), channel.id(),
                        recipient, type, payload, clock.instant()));
            }
        }
        return rows;
    }

    private Set<String> recipients(Channel channel, Alert alert) {
        Set<String> recipients = new LinkedHashSet<>();
        if (channel.type() == ChannelType.WEBHOOK) {
            recipients.add(channel.url());
            return recipients;
        }
        recipients.addAll(channel.to());
        if (channel.customerContact() && alert.customer() != null) {
            customerContact.apply(alert.customer()).ifPresent(recipients::add);
        }
        return recipients;
    }

    /**
     * The message id of an event for one recipient: {@code msg_} and 26 hex digits of a SHA-256 over the three, so
     * it is stable for the same inputs and unguessable enough to carry no meaning.
     */
    public static String messageId(String eventId, String channelId, String recipient) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (eventId + '\n' + channelId + '\n' + recipient).getBytes(StandardCharsets.UTF_8));
            return "msg_" + HexFormat.of().formatHex(digest).substring(0, 26);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
