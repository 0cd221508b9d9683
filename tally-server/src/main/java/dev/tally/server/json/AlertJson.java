package dev.tally.server.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.alert.Alert;
import dev.tally.core.alert.AlertPage;

/**
 * Alerts as the contract shows them: {@code id, customer, kind, limit, threshold, percent, message, state,
 * created_at, updated_at}, plus {@code period}, {@code acknowledged_by/at} and {@code resolved_by/at} (null until
 * they happen). {@code percent} is a JSON number with one decimal, as in usage reports.
 */
public final class AlertJson {
    private final ObjectMapper json;

    public AlertJson(ObjectMapper json) {
        this.json = json;
    }

    /** One alert. */
    public ObjectNode write(Alert a) {
        ObjectNode out = json.createObjectNode();
        out.put("id", a.id());
        out.put("customer", a.customer());
        out.put("kind", a.kind().wireName());
        out.put("limit", a.limit());
        if (a.perValue() != null) {
            // An alert of a per limit: the end user (or dimension value) whose own counter reached the level.
            out.put("per_value", a.perValue());
        }
        if (a.threshold() == null) {
            out.putNull("threshold");
        } else {
            out.put("threshold", a.threshold());
        }
        out.put("percent", a.percent());
        out.put("message", a.message());
        out.put("state", a.state().wireName());
        out.put("period", a.period());
        out.put("created_at", RecordedTime.format(a.createdAt()));
        out.put("updated_at", RecordedTime.format(a.updatedAt()));
        out.put("acknowledged_by", a.acknowledgedBy());
        out.put("acknowledged_at", RecordedTime.format(a.acknowledgedAt()));
        out.put("resolved_by", a.resolvedBy());
        out.put("resolved_at", RecordedTime.format(a.resolvedAt()));
        return out;
    }

    /** A page: {@code {"alerts": [...], "next_cursor": ...}}. */
    public ObjectNode page(AlertPage page) {
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("alerts");
        page.alerts().forEach(a -> list.add(write(a)));
        out.put("next_cursor", page.next() == null ? null : page.next().encode());
        return out;
    }
}
