package dev.tally.core.alert;

/**
 * What to list of the stored alerts. Null filters match everything.
 *
 * @param state    only alerts in this state
 * @param customer only alerts of this customer
 * @param kind     only alerts of this kind
 * @param limit    the most alerts to return, at least 1
 * @param after    continue after this position of a previous page, or null for the first page
 */
public record AlertQuery(AlertState state, String customer, AlertKind kind, int limit, AlertCursor after) {
    public AlertQuery {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
    }
}
