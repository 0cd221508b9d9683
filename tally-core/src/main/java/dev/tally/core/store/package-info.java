/**
 * The persistence ports several domains share: the usage ledger ({@link dev.tally.core.store.UsageStore}: raw events
 * and their rollups), the configuration ({@link dev.tally.core.store.CatalogStore}) and the credentials
 * ({@link dev.tally.core.store.KeyStore}), and the failures an adapter reports ({@link
 * dev.tally.core.store.StoreException}, {@link dev.tally.core.store.SumBoundException}).
 *
 * <p>Rules: ports only, no logic; each port's contract is written on it and tested on every adapter by the contract
 * suites in this package's tests. Depends on the data it carries ({@code event}, {@code rollup}, {@code customer},
 * {@code pricing}, {@code auth}, {@code period}, {@code problem}) and never on a domain's engine: {@code alert},
 * {@code notify} and {@code cluster} own their ports, and {@code persistence} aggregates them all.
 */
package dev.tally.core.store;
