package dev.tally.core.customer;

import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.limit.Limit;

import java.util.List;

/**
 * A plan: a named set of limits that customers subscribe to.
 *
 * @param id            the plan's id, e.g. {@code pro}
 * @param name          a display name, e.g. {@code Pro}
 * @param limits        the plan's limits, each unique by metric, window and filters
 * @param failurePolicy what authorization does for the plan's customers when the counters cannot answer; null for
 *                      the server's default ({@code TALLY_FAILURE_POLICY})
 * @param messages      the operator's texts for denials and alerts of the plan's customers; {@link Messages#NONE}
 *                      for the built-in ones
 */
public record Plan(String id, String name, List<Limit> limits, FailurePolicy failurePolicy, Messages messages) {
    public Plan {
        limits = List.copyOf(limits);
        messages = messages == null ? Messages.NONE : messages;
    }

    /** A plan with the built-in messages. */
    public Plan(String id, String name, List<Limit> limits, FailurePolicy failurePolicy) {
        this(id, name, limits, failurePolicy, Messages.NONE);
    }

    /** A plan that follows the server's default failure policy. */
    public Plan(String id, String name, List<Limit> limits) {
        this(id, name, limits, null);
    }
}
