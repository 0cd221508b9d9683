package dev.tally.server.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.problem.Problems;
import dev.tally.core.adjust.Adjustment;
import dev.tally.core.adjust.Adjustments;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.List;

/** Adjustments in JSON, as the contract's "Corrections and re-rating" defines them. */
public final class AdjustmentJson {
    private final ObjectMapper json;

    public AdjustmentJson(ObjectMapper json) {
        this.json = json;
    }

    /**
     * The body of {@code POST /v1/customers/{id}/adjustments}, its JSON types checked (the domain rules are
     * {@link Adjustments}'s).
     */
    public Body parse(JsonNode body) {
        Problems problems = new Problems();
        JsonFields f = new JsonFields(body, "", problems);
        String metric = f.text("metric", false);
        BigDecimal amount = f.decimal("amount", false);
        String reason = f.text("reason", false, Adjustments.MAX_REASON + 1);
        YearMonth period = f.month("period", false);
        f.rejectUnknown();
        problems.throwIfAny("The adjustment is not valid; nothing was changed");
        return new Body(metric, amount, reason, period);
    }

    /** A parsed body; absent fields are null. */
    public record Body(String metric, BigDecimal amount, String reason, YearMonth period) {
    }

    public ObjectNode write(Adjustment a) {
        ObjectNode out = json.createObjectNode();
        out.put("id", a.id());
        out.put("customer", a.customerId());
        out.put("period", a.period().toString());
        out.put("period_start", a.periodStart().toString());
        out.put("metric", a.metric());
        out.put("amount", a.amount().toPlainString());
        out.put("reason", a.reason());
        out.put("created_by", a.createdBy());
        out.put("created_at", RecordedTime.format(a.createdAt()));
        return out;
    }

    /** Adds {@code adjustments: [...]} to {@code out}. */
    public void putList(ObjectNode out, List<Adjustment> adjustments) {
        ArrayNode list = out.putArray("adjustments");
        adjustments.forEach(a -> list.add(write(a)));
    }
}
