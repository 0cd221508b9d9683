/**
 * Ingestion: {@link dev.tally.core.ingest.IngestService} checks, prices and buckets events, and the single
 * {@link dev.tally.core.ingest.EventWriter} commits them in shared transactions (group commit) through the
 * {@code UsageStore} port.
 *
 * <p>Rules: an event is acknowledged only once durably committed; each is priced once, at ingestion, with the
 * prices in effect at its timestamp; each newly stored event then counts toward its customer's limits. Depends on
 * {@code enforce}, {@code catalog}, {@code pricing}, {@code event}, {@code store} and the value packages; nothing in
 * core depends on it.
 */
package dev.tally.core.ingest;
