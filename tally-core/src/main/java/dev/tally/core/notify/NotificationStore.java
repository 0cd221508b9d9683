package dev.tally.core.notify;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The port to notification channels and the persisted outbox. The outbox is what makes delivery survive restarts:
 * an event is a row before anyone tries to send it, and a row leaves the due set only when an attempt is recorded.
 */
public interface NotificationStore {
    /** Creates or replaces a channel. */
    void putChannel(Channel channel);

    Optional<Channel> channel(String id);

    /** Every channel, by id. */
    List<Channel> channels();

    /** Deletes a channel; returns false if there was none. Its outbox rows stay (and die when next attempted). */
    boolean deleteChannel(String id);

    /**
     * Adds rows to the outbox in one transaction; a row whose id is already there is skipped, so enqueuing the same
     * event twice stores it once.
     *
     * @return how many rows were new
     */
    int enqueue(List<Notification> notifications);

    /**
     * Takes up to {@code max} open rows due at {@code now} for an attempt: their {@code nextAttemptAt} moves to
     * {@code leaseUntil}, so no other dispatcher (on this node or another) takes them meanwhile, and a dispatcher
     * that dies mid-attempt only delays them until the lease ends. Oldest due first.
     */
    List<Notification> claimDue(Instant now, Instant leaseUntil, int max);

    /** Records an attempt in the delivery log and the row's new state, in one transaction. */
    void recordAttempt(DeliveryAttempt attempt, Notification updated);

    Optional<Notification> notification(String id);

    /** A page of the outbox, newest first. */
    List<Notification> notifications(DeliveryQuery query);

    /** The delivery log of one row, first attempt first. */
    List<DeliveryAttempt> attempts(String notificationId);

    /**
     * Removes delivered and dead rows created before {@code cutoff}, with their logs; open rows always stay.
     *
     * @return how many rows were removed
     */
    long deleteFinishedBefore(Instant cutoff);
}
