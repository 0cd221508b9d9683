package dev.tally.core.notify;

/**
 * Sends one outbox row through one kind of channel (webhook, e-mail). Implementations live in the server, where
 * HTTP and SMTP are; they report failures as outcomes instead of throwing, and bound every wait with a timeout.
 */
@FunctionalInterface
public interface Transport {
    /** Makes one attempt at delivering {@code notification} through {@code channel}. */
    Outcome deliver(Channel channel, Notification notification);

    /**
     * How an attempt went.
     *
     * @param succeeded  whether the receiver accepted it
     * @param statusCode the HTTP status or SMTP reply code, or null when there was none
     * @param error      what went wrong, or null on success
     * @param permanent  whether a failure can never succeed however often it is retried (a target the server must
     *                   not reach), so the row is given up at once
     */
    record Outcome(boolean succeeded, Integer statusCode, String error, boolean permanent) {
        /** The receiver accepted it. */
        public static Outcome success(Integer statusCode) {
            return new Outcome(true, statusCode, null, false);
        }

        /** A failure that may pass on a later attempt (the receiver was down, answered 500, timed out). */
        public static Outcome failure(Integer statusCode, String error) {
            return new Outcome(false, statusCode, error, false);
        }

        /** A failure that no retry can change: nothing was sent, and the row is dead. */
        public static Outcome refused(String error) {
            return new Outcome(false, null, error, true);
        }
    }
}
