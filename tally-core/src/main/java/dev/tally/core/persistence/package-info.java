/**
 * The one handle on everything Tally persists: {@link dev.tally.core.persistence.TallyStore}, which a storage adapter
 * (SQLite, PostgreSQL in {@code tally-store}) implements and the server wires once.
 *
 * <p>Rules: each domain owns its persistence port ({@code store}: the ledger, the catalog and the keys, which several
 * domains read; {@code alert}: {@code AlertStore}; {@code notify}: {@code NotificationStore}; {@code cluster}:
 * {@code ClusterStore}); this package only aggregates them and is the top of the core's stack: no core package
 * imports it, so a domain never reaches another domain's storage through it.
 */
package dev.tally.core.persistence;
