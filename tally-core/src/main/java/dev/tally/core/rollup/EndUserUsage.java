package dev.tally.core.rollup;

import java.util.List;
import java.util.Map;

/**
 * A customer's usage by end user and by dimension over one billing month, as the rollups keep it: the first
 * {@link dev.tally.core.store.UsageStore#MAX_USERS} users and {@link dev.tally.core.store.UsageStore#MAX_DIMENSION_VALUES}
 * values of each dimension key individually, the rest summed under {@link dev.tally.core.event.EndUsers#OTHER}.
 *
 * @param users      every kept user, in no particular order
 * @param dimensions every kept value by dimension key, keys sorted
 */
public record EndUserUsage(List<EndUserTotals> users, Map<String, List<EndUserTotals>> dimensions) {
    /** Whether some users were summed under {@code (other)}. */
    public boolean usersTruncated() {
        return users.stream().anyMatch(u -> u.name().equals(dev.tally.core.event.EndUsers.OTHER));
    }

    /** Whether some values of a dimension key were summed under {@code (other)}, past the bound of values a key. */
    public boolean dimensionsTruncated() {
        return dimensions.values().stream().flatMap(List::stream)
                .anyMatch(v -> v.name().equals(dev.tally.core.event.EndUsers.OTHER));
    }
}
