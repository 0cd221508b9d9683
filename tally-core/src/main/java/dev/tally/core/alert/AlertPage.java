package dev.tally.core.alert;

import java.util.List;

/**
 * One page of alerts, newest first.
 *
 * @param alerts the alerts of this page
 * @param next   where the next page starts, or null if this is the last
 */
public record AlertPage(List<Alert> alerts, AlertCursor next) {
    public AlertPage {
        alerts = List.copyOf(alerts);
    }
}
