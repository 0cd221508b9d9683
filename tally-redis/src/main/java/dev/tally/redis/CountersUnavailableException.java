package dev.tally.redis;

/**
 * The Redis counters cannot decide now: they are being rebuilt from the store (by this node or another) for longer
 * than an operation may wait, or this node lost its lease on rebuilding them. The caller applies its failure policy.
 */
public final class CountersUnavailableException extends RuntimeException {
    CountersUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
