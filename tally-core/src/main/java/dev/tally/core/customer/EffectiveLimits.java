package dev.tally.core.customer;

import dev.tally.core.limit.Limit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Resolves the limits that apply to a customer: its plan's limits, with its own overrides laid over them. */
public final class EffectiveLimits {
    private EffectiveLimits() {
    }

    /**
     * The plan's limits in plan order, each replaced by the customer's override with the same key, followed by the
     * customer's limits that match none of the plan's.
     *
     * @param plan the customer's plan, or null if it has none
     */
    public static List<Limit> of(Plan plan, Customer customer) {
        Map<Limit.LimitKey, Limit> byKey = new LinkedHashMap<>();
        if (plan != null) {
            for (Limit limit : plan.limits()) {
                byKey.put(limit.key(), limit);
            }
        }
        for (Limit override : customer.limits()) {
            byKey.put(override.key(), override);
        }
        return new ArrayList<>(byKey.values());
    }
}
