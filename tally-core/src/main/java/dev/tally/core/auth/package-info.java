/**
 * API keys as stored: never the key itself, only its SHA-256 hash, its scope and its customer.
 *
 * <p>Rules: a key is looked up by the id embedded in its text, never by scanning; a revoked key stays stored (for the
 * record) and never authenticates again. Depends on the JDK only.
 */
package dev.tally.core.auth;
