/**
 * Alerts: what fired, why, and where it is in its lifecycle. The alert engine evaluates usage as it is recorded and
 * authorized; notifications (webhooks, e-mail) listen through {@link dev.tally.core.alert.AlertListener}.
 */
package dev.tally.core.alert;
