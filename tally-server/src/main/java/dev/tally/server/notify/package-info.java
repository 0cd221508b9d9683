/**
 * The notification transports and their wiring: webhooks over {@code java.net.http} (HTTP/1.1, signed, redirects
 * never followed) and e-mail over SMTP, run by the core's dispatcher on one background thread.
 *
 * <p>Rules: a transport reports, it never throws, and bounds every wait with a timeout. A webhook reaches only the
 * addresses {@link dev.tally.server.notify.WebhookTargets} allows (public ones, and internal ones an operator listed):
 * address literals are checked when a channel is written, resolved addresses before every delivery, and a refusal is
 * permanent, so the row is dead at once instead of being retried for a day.
 */
package dev.tally.server.notify;
