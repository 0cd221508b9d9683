package dev.tally.core.enforce;

import dev.tally.core.limit.LimitState;

/**
 * One limit as a decision saw it.
 *
 * @param state    usage (committed plus reserved) against the limit in its current window
 * @param reserved the part of {@code used} held by open reservations, in the limit's unit
 * @param fits     whether this call's estimate fits under it
 * @param enforced whether it can deny (hard and not shadow)
 * @param perValue for a {@code per} limit, the end user (or dimension value) whose counter this is; else null
 */
public record LimitDecision(LimitState state, java.math.BigDecimal reserved, boolean fits, boolean enforced,
                            String perValue) {
    /** One limit with one counter. */
    public LimitDecision(LimitState state, java.math.BigDecimal reserved, boolean fits, boolean enforced) {
        this(state, reserved, fits, enforced, null);
    }

    /** Whether this is a shadow limit that would have denied the call had it been hard. */
    public boolean wouldDeny() {
        return !fits && state.limit().mode() == dev.tally.core.limit.LimitMode.SHADOW;
    }
}
