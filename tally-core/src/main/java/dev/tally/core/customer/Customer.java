package dev.tally.core.customer;

import dev.tally.core.limit.Limit;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * A customer of the product Tally meters.
 *
 * @param id         the customer's id as the product knows it, e.g. {@code acme}
 * @param name       a display name
 * @param planId     the plan the customer is on, or null for none
 * @param zone       the time zone its days and months are counted in
 * @param billingDay the day of the month its billing month starts on (1-31, clamped in short months)
 * @param limits     per-customer overrides: replace the plan's limit with the same key, or add to the plan's
 * @param createdAt  when the customer was first created
 * @param email      the customer's contact address for notifications, or null for none
 */
public record Customer(String id, String name, String planId, ZoneId zone, int billingDay, List<Limit> limits,
                       Instant createdAt, String email) {
    public Customer {
        limits = List.copyOf(limits);
    }

    /** A customer without a contact address. */
    public Customer(String id, String name, String planId, ZoneId zone, int billingDay, List<Limit> limits,
                    Instant createdAt) {
        this(id, name, planId, zone, billingDay, limits, createdAt, null);
    }

    /** The customer as people know it: its name, or its id when it has none. */
    public String displayName() {
        return name == null || name.isBlank() ? id : name;
    }
}
