package dev.tally.core.alert;

/**
 * Told about alerts as they fire, so notifications can go out. Called after the alert is stored; an implementation
 * must be quick and must not throw (it should hand the alert to a persisted outbox and return).
 */
@FunctionalInterface
public interface AlertListener {
    /** An alert that just fired (state {@link AlertState#ACTIVE}). */
    void fired(Alert alert);

    /** A listener that does nothing. */
    AlertListener NONE = alert -> { };
}
