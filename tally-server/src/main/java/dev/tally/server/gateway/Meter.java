package dev.tally.server.gateway;

/**
 * Reads one answer's usage as it passes, without holding the answer: a server-sent event at a time, or the bytes of
 * a plain answer. One per call, used by one thread.
 */
interface Meter {
    /** Whether the answer is read event by event ({@link #onEvent}) rather than as bytes ({@link #onBytes}). */
    boolean eventStream();

    /**
     * One server-sent event, its bytes up to and including the blank line that ends it.
     *
     * @return whether the caller gets it (false only for the usage chunk the gateway asked for on its own)
     */
    default boolean onEvent(byte[] event, int length) {
        return true;
    }

    /** Bytes of a plain answer, as they pass. */
    default void onBytes(byte[] bytes, int offset, int length) {
    }

    /**
     * The usage, once the answer ended.
     *
     * @param complete false when the stream broke or the caller went away before the end
     */
    Usage finish(boolean complete);
}
