package dev.tally.core.alert;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One alert, as the contract's {@code /v1/alerts} shows it, plus who moved it along its lifecycle.
 *
 * <p>Its identity for de-duplication is {@link #dedupKey()}: at most one alert per (customer, kind, limit or rule,
 * threshold, period) is open at a time; a new one for the same key fires only after the previous one resolved.
 *
 * @param id             stable id ({@code alr_...})
 * @param customer       the customer it concerns; null for a global rule (e.g. total cost across customers)
 * @param kind           why it fired
 * @param limit          the name of the limit or rule it concerns; null when none applies (e.g. unpriced usage)
 * @param threshold      the percent threshold crossed (50, 80, 100) or null when the kind has none
 * @param percent        the usage in percent of the limit when it fired, one decimal; null when not applicable
 * @param message        a sentence a person can act on
 * @param period         the period it belongs to, e.g. {@code 2026-11} or {@code 2026-11-22T14}; part of the key
 * @param state          active, acknowledged or resolved
 * @param createdAt      when it fired
 * @param updatedAt      when it last changed
 * @param acknowledgedBy who acknowledged it (admin or a customer id), or null
 * @param acknowledgedAt when, or null
 * @param resolvedBy     who resolved it ({@code system} when it resolved itself), or null
 * @param resolvedAt     when, or null
 * @param perValue       for an alert of a {@code per} limit, the end user (or dimension value) whose counter reached
 *                       the level; part of the key, so each user fires its own. Null for every other alert
 */
public record Alert(String id, String customer, AlertKind kind, String limit, Integer threshold, BigDecimal percent,
                    String message, String period, AlertState state, Instant createdAt, Instant updatedAt,
                    String acknowledgedBy, Instant acknowledgedAt, String resolvedBy, Instant resolvedAt,
                    String perValue) {
    /** An alert about the customer as a whole (no {@code per} value). */
    public Alert(String id, String customer, AlertKind kind, String limit, Integer threshold, BigDecimal percent,
                 String message, String period, AlertState state, Instant createdAt, Instant updatedAt,
                 String acknowledgedBy, Instant acknowledgedAt, String resolvedBy, Instant resolvedAt) {
        this(id, customer, kind, limit, threshold, percent, message, period, state, createdAt, updatedAt,
                acknowledgedBy, acknowledgedAt, resolvedBy, resolvedAt, null);
    }

    public Alert {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        // One decimal everywhere (API, webhooks, e-mail), as in usage reports.
        percent = percent == null ? null : percent.setScale(1, java.math.RoundingMode.HALF_UP);
    }

    /** The de-duplication key: customer, kind, limit, threshold and period, joined, and the per value if any. */
    public String dedupKey() {
        String key = String.join("|", String.valueOf(customer), kind.wireName(), String.valueOf(limit),
                String.valueOf(threshold), period);
        return perValue == null ? key : key + "|" + perValue;
    }

    /** The webhook event type, e.g. {@code alert.threshold}. */
    public String eventType() {
        return "alert." + kind.wireName();
    }

    public boolean isOpen() {
        return state != AlertState.RESOLVED;
    }
}
