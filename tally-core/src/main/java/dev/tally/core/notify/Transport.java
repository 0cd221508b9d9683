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
     */
    record Outcome(boolean succeeded, Integer statusCode, String error) {
        public static Outcome success(Integer statusCode) {
            return new Outcome(true, statusCode, null);
        }

        public static Outcome failure(Integer statusCode, String error) {
            return new Outcome(false, statusCode, error);
        }
    }
}
