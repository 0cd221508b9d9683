package dev.tally.server.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.notify.Backoff;
import dev.tally.core.notify.Channel;
import dev.tally.core.notify.ChannelType;
import dev.tally.core.notify.DeliveryState;
import dev.tally.core.notify.Dispatcher;
import dev.tally.core.notify.Notification;
import dev.tally.core.notify.Notifier;
import dev.tally.core.notify.Transport;
import dev.tally.core.persistence.TallyStore;
import dev.tally.server.jobs.BackgroundJobs;
import dev.tally.server.json.NotificationJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The notification side of a running server: the {@link Notifier} that the alert engine reports to, the
 * {@link Dispatcher} with its webhook and e-mail transports, and the background thread that runs it every
 * {@link #POLL_INTERVAL} and, hourly, removes delivered and dead rows older than {@link #KEEP_FINISHED}.
 */
public final class Notifications implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Notifications.class);
    /** How often the outbox is polled for due rows. */
    public static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
    /** How long a stop lets a delivery attempt in flight go on before interrupting it. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    /** How long delivered and dead rows stay in the delivery log. */
    public static final Duration KEEP_FINISHED = Duration.ofDays(30);

    private final TallyStore store;
    private final NotificationJson json;
    private final Notifier notifier;
    private final Dispatcher dispatcher;
    private final SmtpSettings smtp;
    private final InstantSource clock;
    private final BackgroundJobs scheduler;

    private Notifications(TallyStore store, NotificationJson json, Notifier notifier, Dispatcher dispatcher,
                          SmtpSettings smtp, InstantSource clock, BackgroundJobs scheduler) {
        this.store = store;
        this.json = json;
        this.notifier = notifier;
        this.dispatcher = dispatcher;
        this.smtp = smtp;
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /**
     * Wires the notifier and the dispatcher and starts polling the outbox in the background.
     *
     * @param smtp           the SMTP settings, or null when e-mail is not configured
     * @param webhookTargets which addresses webhooks may reach
     */
    public static Notifications start(TallyStore store, Catalog catalog, NotificationJson json, SmtpSettings smtp,
                                      WebhookTargets webhookTargets, ObjectMapper mapper, MeterRegistry metrics,
                                      InstantSource clock) {
        Notifier notifier = new Notifier(store, json,
                customerId -> catalog.customer(customerId).map(Customer::email), clock,
                (alert, e) -> LOG.error("Alert {} could not be put in the notification outbox", alert.id(), e));
        if (!webhookTargets.allowed().isEmpty()) {
            LOG.info("Webhooks may reach public addresses and these internal ones: {}",
                    String.join(", ", webhookTargets.allowed()));
        }
        Map<ChannelType, Transport> transports = new EnumMap<>(ChannelType.class);
        transports.put(ChannelType.WEBHOOK, new WebhookTransport(clock, webhookTargets));
        if (smtp != null) {
            transports.put(ChannelType.EMAIL, new EmailTransport(smtp, mapper, clock));
        }
        Dispatcher dispatcher = new Dispatcher(store, transports,
                new Backoff(Backoff.DEFAULT_MAX_ATTEMPTS, new SecureRandom()), clock, System::nanoTime,
                e -> BackgroundJobs.failed(LOG, "Notification dispatch failed; the next round retries", e),
                attemptMetrics(metrics));
        BackgroundJobs scheduler = new BackgroundJobs("tally-notify", STOP_GRACE);
        scheduler.every(POLL_INTERVAL, POLL_INTERVAL, dispatcher::dispatchDue);
        scheduler.every(Duration.ofMinutes(5), Duration.ofHours(1), () -> pruneFinished(store, clock));
        return new Notifications(store, json, notifier, dispatcher, smtp, clock, scheduler);
    }

    /** {@code tally_notification_attempts_total{result=delivered|failed|dead}}. */
    private static Consumer<Notification> attemptMetrics(MeterRegistry metrics) {
        Map<DeliveryState, Counter> counters = new EnumMap<>(DeliveryState.class);
        for (DeliveryState state : List.of(DeliveryState.DELIVERED, DeliveryState.FAILED, DeliveryState.DEAD)) {
            counters.put(state, Counter.builder("tally_notification_attempts")
                    .description("notification delivery attempts, by the state they left the delivery in")
                    .tag("result", state.wireName()).register(metrics));
        }
        return n -> {
            Counter c = counters.get(n.state());
            if (c != null) {
                c.increment();
            }
        };
    }

    private static void pruneFinished(TallyStore store, InstantSource clock) {
        try {
            // One node at a time prunes; the others skip this round.
            store.runExclusively("notification pruning", () -> {
                long removed = store.deleteFinishedBefore(clock.instant().minus(KEEP_FINISHED));
                if (removed > 0) {
                    LOG.info("Removed {} delivered or dead notifications older than {} days", removed,
                            KEEP_FINISHED.toDays());
                }
            });
        } catch (RuntimeException e) {
            BackgroundJobs.failed(LOG, "Pruning the delivery log failed; it runs again in an hour", e);
        }
    }

    /** The listener the alert engine reports fired alerts to. */
    public Notifier notifier() {
        return notifier;
    }

    /** The dispatcher, whose {@link Dispatcher#dispatchDue()} tests call after moving the clock. */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /** Whether e-mail channels can be used. */
    public boolean emailConfigured() {
        return smtp != null;
    }

    /**
     * Enqueues a test event for every recipient of a channel (regardless of its event filter) and returns the new
     * outbox rows.
     */
    public List<Notification> enqueueTest(Channel channel) {
        String eventId = "test_" + UUID.randomUUID();
        String payload = json.testEvent(channel.id(), clock.instant());
        List<String> recipients = channel.type() == ChannelType.WEBHOOK ? List.of(channel.url()) : channel.to();
        List<Notification> rows = new ArrayList<>();
        for (String recipient : recipients) {
            rows.add(Notification.pending(Notifier.messageId(eventId, channel.id(), recipient), channel.id(),
                    recipient, NotificationJson.TEST_EVENT, payload, clock.instant()));
        }
        store.enqueue(rows);
        return rows;
    }

    /**
     * Stops polling, letting an attempt in flight finish for a while before interrupting it, and returns once it has
     * ended; undelivered rows stay in the outbox.
     */
    @Override
    public void close() {
        scheduler.close();
    }
}
