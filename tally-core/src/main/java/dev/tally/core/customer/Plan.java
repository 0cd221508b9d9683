package dev.tally.core.customer;

import dev.tally.core.limit.Limit;

import java.util.List;

/**
 * A plan: a named set of limits that customers subscribe to.
 *
 * @param id     the plan's id, e.g. {@code pro}
 * @param name   a display name, e.g. {@code Pro}
 * @param limits the plan's limits, each unique by metric, window and filters
 */
public record Plan(String id, String name, List<Limit> limits) {
    public Plan {
        limits = List.copyOf(limits);
    }
}
