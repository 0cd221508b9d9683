package dev.tally.core.period;

import java.time.Instant;

/**
 * A half-open interval of time {@code [start, end)}.
 *
 * @param start the first instant inside the period
 * @param end   the first instant after it, which is also when a window over it resets
 */
public record Period(Instant start, Instant end) {
    public Period {
        if (!start.isBefore(end)) {
            throw new IllegalArgumentException("period start " + start + " must be before its end " + end);
        }
    }

    public boolean contains(Instant t) {
        return !t.isBefore(start) && t.isBefore(end);
    }
}
