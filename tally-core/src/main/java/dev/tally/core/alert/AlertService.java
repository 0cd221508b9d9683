package dev.tally.core.alert;

import dev.tally.core.problem.ConflictException;
import dev.tally.core.problem.NotFoundException;

import java.time.InstantSource;

/**
 * Reading alerts and moving them along their lifecycle on behalf of a person: {@code active -> acknowledged ->
 * resolved}, or straight to resolved. Acknowledging an acknowledged alert and resolving a resolved one change
 * nothing and answer the alert as it is (safe to retry); acknowledging a resolved alert is a conflict. A resolved
 * alert's key may fire again ({@link AlertEngine#forget}).
 */
public final class AlertService {
    private final AlertStore store;
    private final AlertEngine engine;
    private final InstantSource clock;

    public AlertService(AlertStore store, AlertEngine engine, InstantSource clock) {
        this.store = store;
        this.engine = engine;
        this.clock = clock;
    }

    /** One page of alerts, newest first. */
    public AlertPage list(AlertQuery query) {
        return store.alerts(query);
    }

    /** The alert, or a {@link NotFoundException}. */
    public Alert get(String id) {
        return store.alert(id).orElseThrow(() -> new NotFoundException("alert", id));
    }

    /**
     * Acknowledges an active alert.
     *
     * @param by who: {@code admin} or a customer id
     * @throws NotFoundException if there is no such alert
     * @throws ConflictException if it is already resolved
     */
    public Alert acknowledge(String id, String by) {
        store.acknowledge(id, by, clock.instant());
        Alert a = get(id);
        if (a.state() == AlertState.RESOLVED) {
            throw new ConflictException("alert '" + id + "' is already resolved (by " + a.resolvedBy() + " at "
                    + a.resolvedAt() + "); only an active alert can be acknowledged");
        }
        return a;
    }

    /**
     * Resolves an open alert.
     *
     * @param by who: {@code admin} or a customer id
     * @throws NotFoundException if there is no such alert
     */
    public Alert resolve(String id, String by) {
        boolean changed = store.resolve(id, by, clock.instant());
        Alert a = get(id);
        if (changed) {
            engine.forget(a);
        }
        return a;
    }
}
