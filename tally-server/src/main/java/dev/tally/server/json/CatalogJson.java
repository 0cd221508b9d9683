package dev.tally.server.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.bounds.Bounds;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.EmailAddresses;
import dev.tally.core.customer.Ids;
import dev.tally.core.customer.Messages;
import dev.tally.core.customer.Plan;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.limit.Limit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.pricing.Price;
import dev.tally.core.pricing.PriceImport;
import dev.tally.core.problem.Problems;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/** Plans, customers and prices in JSON, as the contract defines them. */
public final class CatalogJson {
    private final ObjectMapper json;

    public CatalogJson(ObjectMapper json) {
        this.json = json;
    }

    /** Parses the body of {@code PUT /v1/plans/{id}}. */
    public Plan parsePlan(String id, JsonNode body) {
        Problems problems = new Problems();
        checkId("plan_id", id, problems);
        JsonFields f = new JsonFields(body, "", problems);
        String name = f.text("name", false);
        List<Limit> limits = LimitJson.parseList(f.raw("limits"), "limits", problems);
        FailurePolicy failurePolicy = failurePolicy(f.text("failure_policy", false), problems);
        Messages messages = MessagesJson.parse(f.raw("messages"), "messages", problems);
        f.rejectUnknown();
        problems.throwIfAny("The plan is not valid; nothing was changed");
        return new Plan(id, name == null ? id : name, limits, failurePolicy, messages);
    }

    /** {@code failure_policy}: absent (the server's default), {@code fail_open} or {@code fail_closed}. */
    private static FailurePolicy failurePolicy(String name, Problems problems) {
        if (name == null) {
            return null;
        }
        FailurePolicy policy = FailurePolicy.fromWireName(name);
        if (policy == null) {
            problems.add("failure_policy", "must be fail_open or fail_closed (or absent for the server's default), "
                    + "was \"" + name + "\"");
        }
        return policy;
    }

    /** Parses the body of {@code PUT /v1/customers/{id}}. */
    public Customer parseCustomer(String id, JsonNode body, Instant now) {
        Problems problems = new Problems();
        checkId("customer_id", id, problems);
        JsonFields f = new JsonFields(body, "", problems);
        String name = f.text("name", false);
        String plan = f.text("plan", false);
        String zoneName = f.text("timezone", false);
        ZoneId zone = ZoneId.of("UTC");
        if (zoneName != null) {
            try {
                zone = ZoneId.of(zoneName);
            } catch (DateTimeException e) {
                problems.add("timezone", "must be an IANA time zone such as Europe/Berlin, was \"" + zoneName + "\"");
            }
        }
        Long billingDay = f.integer("billing_day", 1, 31, false);
        List<Limit> limits = LimitJson.parseList(f.raw("limits"), "limits", problems);
        String email = f.text("email", false);
        if (email != null && !EmailAddresses.isValid(email)) {
            problems.add("email", EmailAddresses.RULE + ", was \"" + email + "\"");
        }
        f.rejectUnknown();
        problems.throwIfAny("The customer is not valid; nothing was changed");
        int day = billingDay == null ? 1 : billingDay.intValue();
        return new Customer(id, name == null ? id : name, plan, zone, day, limits, now, email);
    }

    /** Parses the body of {@code PUT /v1/prices}: a list, all valid or nothing stored. */
    public List<Price> parsePrices(JsonNode body) {
        Problems problems = new Problems();
        List<Price> prices = new ArrayList<>();
        if (body == null || !body.isArray()) {
            problems.add("body", "must be a JSON array of prices, was " + JsonFields.describe(body));
        } else {
            for (int i = 0; i < body.size(); i++) {
                Price price = parsePrice(body.get(i), "[" + i + "].", problems);
                if (price != null) {
                    prices.add(price);
                }
            }
        }
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (int i = 0; problems.isEmpty() && i < prices.size(); i++) {
            Price p = prices.get(i);
            Integer first = seen.putIfAbsent(p.seriesKey() + '\u0000' + p.effectiveFrom(), i);
            if (first != null) {
                problems.add("[" + i + "]", "repeats price [" + first
                        + "] (same provider, model, metric and effective_from)");
            }
        }
        problems.throwIfAny("The prices are not valid; nothing was changed");
        return prices;
    }

    private static Price parsePrice(JsonNode node, String prefix, Problems problems) {
        int before = problems.list().size();
        JsonFields f = new JsonFields(node, prefix, problems);
        String provider = f.text("provider", true);
        String model = f.text("model", false);
        String metric = f.text("metric", true);
        if (metric != null && (!Metrics.isValidName(metric) || Metrics.TOKENS.equals(metric)
                || Metrics.COST.equals(metric))) {
            problems.add(prefix + "metric", "must be a sent metric (lower_snake_case) or requests, was \""
                    + metric + "\"");
        }
        BigDecimal unitPrice = f.decimal("unit_price", true);
        if (unitPrice != null && unitPrice.signum() < 0) {
            problems.add(prefix + "unit_price", "must be >= 0, was " + unitPrice.toPlainString());
        } else if (unitPrice != null && unitPrice.compareTo(Bounds.MAX_UNIT_PRICE_USD) > 0) {
            // Refused here rather than making every matching event fail to be priced later.
            problems.add(prefix + "unit_price", "must be at most " + Bounds.MAX_UNIT_PRICE_USD.toPlainString()
                    + " USD, was " + unitPrice.toPlainString());
        }
        Long per = f.integer("per", 1, 1_000_000_000_000L, false);
        Instant from = f.timestamp("effective_from");
        Long above = f.integer("above_prompt_tokens", 0, Bounds.MAX_QUANTITY_UNITS, false);
        f.rejectUnknown();
        if (problems.list().size() > before) {
            return null;
        }
        return new Price(provider, model, metric, unitPrice, per == null ? 1 : per, from, above == null ? 0 : above);
    }

    private static void checkId(String field, String id, Problems problems) {
        if (!Ids.isValid(id)) {
            problems.add(field, Ids.RULE + ", was \"" + id + "\"");
        }
    }

    public ObjectNode writePlan(Plan plan) {
        ObjectNode out = json.createObjectNode();
        out.put("id", plan.id());
        out.put("name", plan.name());
        ArrayNode limits = out.putArray("limits");
        plan.limits().forEach(l -> LimitJson.write(limits.addObject(), l));
        if (plan.failurePolicy() == null) {
            out.putNull("failure_policy");
        } else {
            out.put("failure_policy", plan.failurePolicy().wireName());
        }
        if (!plan.messages().isEmpty()) {
            MessagesJson.write(out.putObject("messages"), plan.messages());
        }
        return out;
    }

    public ObjectNode writeCustomer(Customer c) {
        ObjectNode out = json.createObjectNode();
        out.put("id", c.id());
        out.put("name", c.name());
        if (c.planId() == null) {
            out.putNull("plan");
        } else {
            out.put("plan", c.planId());
        }
        out.put("timezone", c.zone().getId());
        out.put("billing_day", c.billingDay());
        ArrayNode limits = out.putArray("limits");
        c.limits().forEach(l -> LimitJson.write(limits.addObject(), l));
        out.put("email", c.email());
        out.put("created_at", RecordedTime.format(c.createdAt()));
        return out;
    }

    public ObjectNode writePrice(Price p) {
        ObjectNode out = json.createObjectNode();
        out.put("provider", p.provider());
        if (p.model() != null) {
            out.put("model", p.model());
        }
        out.put("metric", p.metric());
        out.put("unit_price", p.unitPrice().toPlainString());
        out.put("per", p.per());
        out.put("effective_from", p.effectiveFrom().toString());
        if (p.isTier()) {
            out.put("above_prompt_tokens", p.abovePromptTokens());
        }
        return out;
    }

    /** The answer of {@code POST /v1/prices/import}. */
    public ObjectNode writeImport(PriceImport.Report report, boolean dryRun) {
        ObjectNode out = json.createObjectNode();
        out.put("effective_from", report.effectiveFrom().toString());
        out.put("dry_run", dryRun);
        out.put("prices_stored", dryRun ? 0 : report.toStore().size());
        ObjectNode counts = out.putObject("counts");
        counts.put("added", report.added().size());
        counts.put("changed", report.changed().size());
        counts.put("unchanged", report.unchanged().size());
        counts.put("skipped", report.skipped().size());
        writeModels(out.putArray("added"), report.added(), false);
        writeModels(out.putArray("changed"), report.changed(), true);
        writeModels(out.putArray("unchanged"), report.unchanged(), false);
        ArrayNode skipped = out.putArray("skipped");
        report.skipped().forEach(s -> skipped.addObject().put("key", s.key()).put("reason", s.reason()));
        return out;
    }

    private void writeModels(ArrayNode list, List<PriceImport.ModelChange> models, boolean withChanges) {
        for (PriceImport.ModelChange m : models) {
            ObjectNode o = list.addObject();
            o.put("key", m.key());
            o.put("provider", m.provider());
            o.put("model", m.model());
            ArrayNode prices = o.putArray("prices");
            m.prices().forEach(p -> prices.add(writePrice(p)));
            if (withChanges) {
                ArrayNode changes = o.putArray("changes");
                for (PriceImport.PriceChange c : m.changes()) {
                    ObjectNode ch = changes.addObject();
                    ch.put("metric", c.metric());
                    ch.put("above_prompt_tokens", c.abovePromptTokens());
                    if (c.before() == null) {
                        ch.putNull("before");
                    } else {
                        ch.set("before", writePrice(c.before()));
                    }
                    ch.set("after", writePrice(c.after()));
                }
            }
            ArrayNode leftOut = o.putArray("left_out");
            m.leftOut().forEach(leftOut::add);
        }
    }
}
