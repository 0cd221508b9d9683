package dev.tally.core.rerate;

import java.util.List;

/**
 * What an applied re-rating moved, for the counters and the alerts that follow it.
 *
 * @param series   the cost changes by customer, provider, model, endpoint and day (and minute, for the last hour)
 * @param endUsers the cost changes of the cost limits on end users or dimensions, by limit and user or value, in
 *                 each limit's current window
 */
public record CostChanges(List<CostDelta> series, List<EndUserCostDelta> endUsers) {
    public CostChanges {
        series = List.copyOf(series);
        endUsers = List.copyOf(endUsers);
    }
}
