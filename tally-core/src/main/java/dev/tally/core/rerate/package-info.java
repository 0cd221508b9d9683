/**
 * Re-rating: pricing a billing month's stored events again with the catalog as it is now (still the price in effect
 * at each event's timestamp, tiers by prompt size), answering the difference, and applying it.
 *
 * <p>Rules:
 * <ul>
 *   <li>A dry run and the applied run compute the same diff from the same events: the store walks the period's
 *       events page by page ({@link dev.tally.core.rerate.RerateStore}), and each event is repriced by the same
 *       pure function ({@link dev.tally.core.rerate.Rerater#reprice}).</li>
 *   <li>An event changes only if its cost or its unpriced metrics change; an event whose sender gave its cost
 *       ({@code cost_override}) is never repriced. Re-rating twice with no price change changes nothing.</li>
 *   <li>Applying is atomic: the changed events and the differences they make to every sum are staged page by page
 *       (short transactions, invisible to readers, memory bounded by a page), then one transaction changes the
 *       events, the rollups of every grain, the end user and dimension sums and stores the
 *       {@link dev.tally.core.rerate.Rerating} record (who, when, the period and the diff). A failure or a crash
 *       before it leaves nothing changed and the record abandoned. After it, the enforcing counters and the alerts
 *       follow the cost delta: the customer's by series and day (minute, for the last hour), and those of cost
 *       limits on end users or dimensions by limit and user or value, counting only the events in each limit's
 *       current window (kept only for limits that exist, so bounded by the users those limits' counters hold).</li>
 *   <li>Events past retention are gone: the month summaries still count them as they were priced. The answer says
 *       how many per customer and model ({@link dev.tally.core.rerate.RerateLine#pastRetention}).</li>
 * </ul>
 * Depends on catalog, customer, event, limit, metric, money, period, pricing, problem, rollup and store; alert and
 * enforce are reached through listeners the server wires.
 */
package dev.tally.core.rerate;
