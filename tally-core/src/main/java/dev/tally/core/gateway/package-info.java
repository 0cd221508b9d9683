/**
 * The gateway's configuration: the upstream APIs Tally forwards to, and the keys customers bring for them.
 *
 * <p>Rules: JDK only. An upstream's name is its path segment ({@code /gateway/{name}/...}). Keys are held here only
 * sealed (encrypted by the server before they reach the store): nothing in this package ever sees a key in the
 * clear, and nothing answers one back. A customer's own key for an upstream replaces the upstream's key for that
 * customer's calls. Depends on nothing else of the core.
 */
package dev.tally.core.gateway;
