package dev.tally.core.alert;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The port to stored alerts.
 *
 * <p>Contract every adapter keeps (and {@code AlertStoreContract} tests): at most one alert per
 * {@link Alert#dedupKey()} is open (not resolved) at any time, even when several nodes insert at once, so
 * {@link #insertIfNoneOpen} is an atomic check-and-insert; a resolved alert's key may be inserted again. Transitions
 * are conditional updates, so two people acknowledging at once both succeed but only the first is recorded.
 */
public interface AlertStore {
    /**
     * Stores {@code alert} unless an open alert with the same de-duplication key exists.
     *
     * @return true if it was stored, false if an open alert of its key already exists
     */
    boolean insertIfNoneOpen(Alert alert);

    /** The alert with this id, or empty. */
    Optional<Alert> alert(String id);

    /** One page of alerts matching the query, newest first. */
    AlertPage alerts(AlertQuery query);

    /** Every open (active or acknowledged) alert, for self-resolution. */
    List<Alert> openAlerts();

    /**
     * Moves an active alert to acknowledged.
     *
     * @return true if it was active and is now acknowledged; false if it is missing or not active
     */
    boolean acknowledge(String id, String by, Instant at);

    /**
     * Resolves an open alert.
     *
     * @return true if it was open and is now resolved; false if it is missing or already resolved
     */
    boolean resolve(String id, String by, Instant at);
}
