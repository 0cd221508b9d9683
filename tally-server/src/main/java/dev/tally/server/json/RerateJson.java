package dev.tally.server.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.money.Money;
import dev.tally.core.problem.Problems;
import dev.tally.core.rerate.RerateLine;
import dev.tally.core.rerate.Rerating;

import java.time.YearMonth;
import java.util.List;

/** Re-ratings in JSON, as the contract's "Corrections and re-rating" defines them. */
public final class RerateJson {
    private final ObjectMapper json;

    public RerateJson(ObjectMapper json) {
        this.json = json;
    }

    /** The body of {@code POST /v1/rerate}; {@code dry_run} is true unless sent false (a re-rating changes books). */
    public Body parse(JsonNode body) {
        Problems problems = new Problems();
        JsonFields f = new JsonFields(body, "", problems);
        YearMonth period = f.month("period", true);
        String customer = f.text("customer", false);
        JsonNode dry = f.raw("dry_run");
        if (dry != null && !dry.isBoolean()) {
            problems.add("dry_run", "must be true or false, was " + JsonFields.describe(dry));
        }
        f.rejectUnknown();
        problems.throwIfAny("The re-rating is not valid; nothing was changed");
        return new Body(period, customer, dry == null || dry.asBoolean());
    }

    /** A parsed body. */
    public record Body(YearMonth period, String customer, boolean dryRun) {
    }

    public ObjectNode write(Rerating r) {
        ObjectNode out = json.createObjectNode();
        out.put("id", r.dryRun() ? null : r.id());
        out.put("dry_run", r.dryRun());
        out.put("state", r.state().text());
        out.put("period", r.period().toString());
        out.put("customer", r.customerId());
        out.put("created_by", r.createdBy());
        out.put("created_at", RecordedTime.format(r.createdAt()));
        out.put("events", r.events());
        out.put("changed_events", r.changed());
        out.put("cost_before", Money.ofNanos(r.costBeforeNanos()).toPlainString());
        out.put("cost_after", Money.ofNanos(r.costAfterNanos()).toPlainString());
        out.put("events_past_retention", r.pastRetention());
        ArrayNode lines = out.putArray("lines");
        r.lines().forEach(l -> line(lines.addObject(), l));
        return out;
    }

    private static void line(ObjectNode out, RerateLine l) {
        out.put("customer", l.customerId());
        out.put("provider", l.provider());
        out.put("model", l.model());
        out.put("events", l.events());
        out.put("changed_events", l.changed());
        out.put("cost_before", Money.ofNanos(l.costBeforeNanos()).toPlainString());
        out.put("cost_after", Money.ofNanos(l.costAfterNanos()).toPlainString());
        out.put("newly_priced", l.newlyPriced());
        out.put("still_unpriced", l.stillUnpriced());
        ArrayNode ids = out.putArray("changed_event_ids");
        l.changedIds().forEach(ids::add);
        out.put("changed_event_ids_complete", l.idsComplete());
        out.put("events_past_retention", l.pastRetention());
    }

    /** {@code {"reratings": [...], "next_cursor": ...}}: one page of the list, and where the next starts (or null). */
    public ObjectNode list(List<Rerating> reratings, String nextCursor) {
        ObjectNode out = json.createObjectNode();
        putList(out, reratings);
        out.put("next_cursor", nextCursor);
        return out;
    }

    /** Adds {@code reratings: [...]}, each in brief (id, who, when, period, totals), to {@code out}. */
    public void putList(ObjectNode out, List<Rerating> reratings) {
        ArrayNode list = out.putArray("reratings");
        reratings.forEach(r -> list.add(write(r)));
    }
}
