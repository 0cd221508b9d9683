package dev.tally.server.notify;

import dev.tally.core.alert.Alert;
import dev.tally.core.alert.AlertKind;
import dev.tally.core.alert.AlertState;

import java.math.BigDecimal;
import java.time.Instant;

/** Alerts as the alert engine would fire them, for notification tests. */
final class Alerts {
    private Alerts() {
    }

    static Alert fired(String id, AlertKind kind, String customer, String limit, Integer threshold, String percent,
                       Instant at) {
        String message = customer + " used " + percent + "% of " + limit;
        return new Alert(id, customer, kind, limit, threshold, percent == null ? null : new BigDecimal(percent),
                message, "2026-11", AlertState.ACTIVE, at, at, null, null, null, null);
    }
}
