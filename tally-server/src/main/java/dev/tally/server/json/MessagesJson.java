package dev.tally.server.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.customer.Messages;
import dev.tally.core.problem.Problems;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code messages} object of a plan (and of {@code tally.yaml}): a template per kind, and per limit name under
 * {@code limits}.
 *
 * <pre>
 * {"denied": "Your {limit} is used up ({used} of {amount}). Upgrade at https://example.com/billing.",
 *  "threshold": "{customer} has used {percent} of its {limit}",
 *  "limits": {"requests-day": {"denied": "That's all for today: {amount} a day. Back in {retry_after}."}}}
 * </pre>
 */
public final class MessagesJson {
    private MessagesJson() {
    }

    /** Parses {@code node} (absent or null: no texts), adding every problem under {@code field}. */
    public static Messages parse(JsonNode node, String field, Problems problems) {
        if (node == null || node.isNull()) {
            return Messages.NONE;
        }
        if (!node.isObject()) {
            problems.add(field, "must be an object of message templates by kind, was " + JsonFields.describe(node));
            return Messages.NONE;
        }
        Map<String, String> kinds = new HashMap<>();
        Map<String, Map<String, String>> limits = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("limits")) {
                parseLimits(e.getValue(), field + ".limits", limits, problems);
            } else {
                text(e.getValue(), field + "." + e.getKey(), problems, kinds, e.getKey());
            }
        }
        Messages messages = new Messages(kinds, limits);
        for (String[] p : messages.problems()) {
            problems.add(field + "." + p[0], p[1]);
        }
        return messages;
    }

    private static void parseLimits(JsonNode node, String field, Map<String, Map<String, String>> out,
                                    Problems problems) {
        if (node == null || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            problems.add(field, "must be an object from limit name to message templates by kind, was "
                    + JsonFields.describe(node));
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> limit = it.next();
            String limitField = field + "." + limit.getKey();
            if (!limit.getValue().isObject()) {
                problems.add(limitField, "must be an object of message templates by kind, was "
                        + JsonFields.describe(limit.getValue()));
                continue;
            }
            Map<String, String> byKind = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> k = limit.getValue().fields(); k.hasNext(); ) {
                Map.Entry<String, JsonNode> e = k.next();
                text(e.getValue(), limitField + "." + e.getKey(), problems, byKind, e.getKey());
            }
            out.put(limit.getKey(), byKind);
        }
    }

    private static void text(JsonNode value, String field, Problems problems, Map<String, String> out, String kind) {
        if (!value.isTextual()) {
            problems.add(field, "must be a text, was " + JsonFields.describe(value));
            return;
        }
        out.put(kind, value.asText());
    }

    /** Writes {@code messages} into {@code out}, kinds sorted, then {@code limits}. */
    public static void write(ObjectNode out, Messages messages) {
        new TreeMap<>(messages.kinds()).forEach(out::put);
        if (!messages.limits().isEmpty()) {
            ObjectNode limits = out.putObject("limits");
            new TreeMap<>(messages.limits()).forEach((name, byKind) -> {
                ObjectNode one = limits.putObject(name);
                new TreeMap<>(byKind).forEach(one::put);
            });
        }
    }
}
