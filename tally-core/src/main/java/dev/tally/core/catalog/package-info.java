/**
 * The catalog: plans, customers and prices, written through to the {@code CatalogStore} port and read from an
 * immutable in-memory snapshot ({@link dev.tally.core.catalog.Catalog}).
 *
 * <p>Rules: every write replaces the snapshot (copy-on-write), so readers on the hot path never lock; a node sees
 * another node's changes after a reload. Invalid input is refused whole with every problem named. Depends on
 * {@code customer}, {@code limit}, {@code pricing}, {@code store} (the port) and {@code problem}; never on the
 * engines that read it ({@code enforce}, {@code usage}, {@code alert}, {@code ingest}).
 */
package dev.tally.core.catalog;
