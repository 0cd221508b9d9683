package dev.tally.core.notify;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Delivers due outbox rows. Each {@link #dispatchDue()} claims up to a batch of due rows (a lease, so that other
 * dispatchers skip them), attempts each through its channel's {@link Transport}, and records the attempt with the
 * row's next state: delivered; failed with the next attempt after a {@link Backoff}; or dead once attempts ran out,
 * the channel is gone, or the transport refused the row for good ({@link Transport.Outcome#permanent()}).
 *
 * <p>Delivery is at least once: a dispatcher that dies after sending but before recording leaves the row to be sent
 * again when its lease ends, with the same message id, which is what receivers de-duplicate on.
 */
public final class Dispatcher {
    /** Rows claimed per round. */
    public static final int BATCH = 50;
    /**
     * How long a claimed row is held before another dispatcher may take it: longer than any attempt (whose network
     * waits are bounded by timeouts well below this).
     */
    public static final Duration LEASE = Duration.ofMinutes(5);

    private final NotificationStore store;
    private final Map<ChannelType, Transport> transports;
    private final Backoff backoff;
    private final InstantSource clock;
    private final LongSupplier nanoTime;
    private final Consumer<RuntimeException> onFailure;
    private final Consumer<Notification> onAttempt;
    /** One round at a time per dispatcher: the background schedule and a direct call never overlap. */
    private final ReentrantLock round = new ReentrantLock();

    /**
     * @param store      channels and the outbox
     * @param transports the transport of each channel type
     * @param backoff    when failed rows are tried again
     * @param clock      what "due" means, and the time of attempts
     * @param nanoTime   measures attempt durations ({@code System::nanoTime})
     * @param onFailure  told when a round failed as a whole (the store was unreachable); the next round retries
     * @param onAttempt  told of every recorded attempt, with the row's new state (for metrics)
     */
    public Dispatcher(NotificationStore store, Map<ChannelType, Transport> transports, Backoff backoff,
                      InstantSource clock, LongSupplier nanoTime, Consumer<RuntimeException> onFailure,
                      Consumer<Notification> onAttempt) {
        this.store = store;
        this.transports = Map.copyOf(transports);
        this.backoff = backoff;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.onFailure = onFailure;
        this.onAttempt = onAttempt;
    }

    /**
     * Attempts every row due now, batch after batch, and returns how many attempts were made. Rows that fail are
     * scheduled later, so the loop ends. Never throws, so it can be the body of a background schedule.
     *
     * <p>Rounds of one dispatcher run one at a time: a call waits for a round in progress, so when it returns every
     * row that was due at the clock's time has been attempted and recorded.
     */
    public int dispatchDue() {
        int attempted = 0;
        round.lock();
        try {
            while (true) {
                Instant now = clock.instant();
                List<Notification> due = store.claimDue(now, now.plus(LEASE), BATCH);
                due.forEach(this::attempt);
                attempted += due.size();
                if (due.size() < BATCH) {
                    return attempted;
                }
            }
        } catch (RuntimeException e) {
            onFailure.accept(e);
            return attempted;
        } finally {
            round.unlock();
        }
    }

    private void attempt(Notification row) {
        Instant started = clock.instant();
        long startNanos = nanoTime.getAsLong();
        Optional<Channel> channel = store.channel(row.channelId());
        Transport.Outcome outcome = channel.isEmpty()
                ? Transport.Outcome.failure(null, "channel " + row.channelId() + " no longer exists")
                : send(channel.get(), row);
        long millis = Duration.ofNanos(nanoTime.getAsLong() - startNanos).toMillis();
        DeliveryAttempt attempt = new DeliveryAttempt(row.id(), row.attempts() + 1, started, outcome.succeeded(),
                outcome.statusCode(), outcome.error(), millis);
        Notification updated = next(row, outcome, channel.isPresent());
        store.recordAttempt(attempt, updated);
        onAttempt.accept(updated);
    }

    private Transport.Outcome send(Channel channel, Notification row) {
        Transport transport = transports.get(channel.type());
        if (transport == null) {
            return Transport.Outcome.failure(null, "no transport for " + channel.type().wireName() + " channels");
        }
        try {
            return transport.deliver(channel, row);
        } catch (RuntimeException e) {
            // A transport should report, not throw; if one does, the row still gets its attempt and its retry.
            return Transport.Outcome.failure(null, e.toString());
        }
    }

    private Notification next(Notification row, Transport.Outcome outcome, boolean channelExists) {
        Instant now = clock.instant();
        if (outcome.succeeded()) {
            return row.delivered(now);
        }
        // A refused target or a deleted channel stays so: retrying would only fail the same way for a day.
        Duration delay = channelExists && !outcome.permanent() ? backoff.delayAfter(row.attempts() + 1) : null;
        return row.failed(outcome.error(), now, delay == null ? null : now.plus(delay));
    }
}
