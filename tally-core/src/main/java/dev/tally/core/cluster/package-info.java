/**
 * Several nodes on one database: the port through which a node learns of other nodes' configuration changes, tells
 * the others it is alive, and runs a schedule on one node at a time.
 *
 * <p>Rules: JDK only. A node never trusts what it caches of the shared configuration for longer than one version
 * check: every cache of plans, customers, prices, keys or channels registers a reload with {@link
 * dev.tally.core.cluster.ConfigChanges}. Stores without several nodes (SQLite) answer the port's defaults: version 0,
 * one node, every schedule runs here.
 */
package dev.tally.core.cluster;
