package dev.tally.core.enforce;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The answer to "may this call go ahead?": data, which the HTTP layer turns into headers and the middleware into a
 * 429 for its own callers.
 *
 * <p>Why a class and not a record: the verdict ({@link #allowed}, {@link #code}, {@link #retryAfterSeconds},
 * {@link #message}) is decided in raw integers, while the state of every limit ({@link #limits}, {@link #deciding})
 * needs exact decimals, percentages and window bounds. That state is built on first use, so a caller that only
 * needs the verdict (a servlet filter letting a call through) does not pay for it. Both are immutable once built.
 */
public final class Decision {
    private final boolean allowed;
    private final String reservationId;
    private final DenialCode code;
    private final long retryAfterSeconds;
    private final String message;
    /** Builds {@link #state} on first use; null once built (or for an eagerly built decision). */
    private Supplier<State> render;
    private volatile State state;

    /**
     * A decision whose limit states are known.
     *
     * @param allowed           whether the call may go ahead
     * @param reservationId     the reservation holding the estimate, when allowed and reserved; else null
     * @param limits            every limit that applies to the call
     * @param deciding          the limit that denied, or the most constraining one when allowed; null if none
     * @param code              why it was denied; null when allowed
     * @param retryAfterSeconds when denied, after how many seconds the call would fit (at least 1); else 0
     * @param message           for a denial, a sentence to show the end user; else null
     */
    public Decision(boolean allowed, String reservationId, List<LimitDecision> limits, LimitDecision deciding,
                    DenialCode code, long retryAfterSeconds, String message) {
        this(allowed, reservationId, code, retryAfterSeconds, message, null);
        this.state = new State(List.copyOf(limits), deciding);
    }

    /** A decision whose limit states are rendered by {@code render} when first asked for. */
    Decision(boolean allowed, String reservationId, DenialCode code, long retryAfterSeconds, String message,
             Supplier<State> render) {
        this.allowed = allowed;
        this.reservationId = reservationId;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
        this.message = message;
        this.render = render;
    }

    /** Whether the call may go ahead. */
    public boolean allowed() {
        return allowed;
    }

    /** The reservation holding the estimate, when allowed and reserved; else null. */
    public String reservationId() {
        return reservationId;
    }

    /** Every limit that applies to the call, as it stands after this decision. */
    public List<LimitDecision> limits() {
        return state().limits();
    }

    /**
     * The limit that denied, or when allowed the most constraining one: the hard limit with the least remaining as a
     * share of its amount, or the soft one when no hard limit has an amount. A shadow limit is never chosen, since it
     * never constrains a call. Null if none applies.
     */
    public LimitDecision deciding() {
        return state().deciding();
    }

    /** Why it was denied; null when allowed. */
    public DenialCode code() {
        return code;
    }

    /** When denied, after how many seconds the call would fit (at least 1); else 0. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** For a denial, a sentence to show the end user; else null. */
    public String message() {
        return message;
    }

    private State state() {
        State s = state;
        if (s == null) {
            synchronized (this) {
                s = state;
                if (s == null) {
                    s = render.get();
                    state = s;
                    render = null;
                }
            }
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Decision d && allowed == d.allowed && retryAfterSeconds == d.retryAfterSeconds
                && Objects.equals(reservationId, d.reservationId) && code == d.code
                && Objects.equals(message, d.message) && state().equals(d.state());
    }

    @Override
    public int hashCode() {
        return Objects.hash(allowed, reservationId, code, retryAfterSeconds, message);
    }

    @Override
    public String toString() {
        return "Decision[allowed=" + allowed + ", reservationId=" + reservationId + ", limits=" + limits()
                + ", deciding=" + deciding() + ", code=" + code + ", retryAfterSeconds=" + retryAfterSeconds
                + ", message=" + message + "]";
    }

    /** The rendered part of a decision. */
    record State(List<LimitDecision> limits, LimitDecision deciding) {
    }
}
