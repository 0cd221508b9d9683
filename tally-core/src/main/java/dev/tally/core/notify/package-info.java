/**
 * Notifications of alerts: channels (webhooks, e-mail), the persisted outbox and its delivery log, and the
 * dispatcher that delivers from it.
 *
 * <p>Rules: a fired alert becomes outbox rows first ({@link dev.tally.core.notify.Notifier}) and is sent later
 * ({@link dev.tally.core.notify.Dispatcher}), so nothing is lost across restarts. Every attempt is logged. A row
 * keeps its message id across retries (the {@code webhook-id}), so receivers de-duplicate; delivery is at least
 * once. Failed attempts are retried with capped exponential backoff and jitter ({@link dev.tally.core.notify.Backoff})
 * until they succeed or run out of attempts (dead); a failure the transport reports as permanent (a target the
 * server must not reach) is dead at once.
 *
 * <p>Depends on {@code alert} (what it notifies of) and the JDK only.
 */
package dev.tally.core.notify;
