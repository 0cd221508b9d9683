package dev.tally.server.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.event.EndUsers;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.limit.LimitRules;
import dev.tally.core.metric.MetricUnit;
import dev.tally.core.money.Money;
import dev.tally.core.period.Window;
import dev.tally.core.problem.Problems;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Limits in JSON: {@code {metric, window, amount, mode?, provider?, model?, endpoint?, thresholds?, name?, user?,
 * dimensions?, per?}}.
 */
public final class LimitJson {
    private LimitJson() {
    }

    /** Parses a list of limits at {@code field}, recording every problem; absent means an empty list. */
    public static List<Limit> parseList(JsonNode node, String field, Problems problems) {
        List<Limit> limits = new ArrayList<>();
        if (node == null || node.isNull()) {
            return limits;
        }
        if (!node.isArray()) {
            problems.add(field, "must be an array of limits, was " + JsonFields.describe(node));
            return limits;
        }
        for (int i = 0; i < node.size(); i++) {
            Limit limit = parse(node.get(i), field + "[" + i + "].", problems);
            if (limit != null) {
                limits.add(limit);
            }
        }
        if (limits.size() == node.size()) {
            LimitRules.validateTogether(field, limits, problems);
        }
        return limits;
    }

    private static Limit parse(JsonNode node, String prefix, Problems problems) {
        int before = problems.list().size();
        JsonFields f = new JsonFields(node, prefix, problems);
        if (!f.isObject()) {
            return null;
        }
        String metric = f.text("metric", true);
        String windowName = f.text("window", true);
        Window window = windowName == null ? null : Window.fromWireName(windowName);
        if (windowName != null && window == null) {
            problems.add(prefix + "window", "must be one of minute, hour, day, month, was \"" + windowName + "\"");
        }
        if (!f.has("amount")) {
            problems.add(prefix + "amount", "is required (use null for unlimited)");
        }
        BigDecimal amount = f.decimal("amount", false);
        String modeName = f.text("mode", false);
        LimitMode mode = modeName == null ? LimitMode.HARD : LimitMode.fromWireName(modeName);
        if (modeName != null && mode == null) {
            problems.add(prefix + "mode", "must be hard, soft or shadow, was \"" + modeName + "\"");
        }
        String provider = f.text("provider", false);
        String model = f.text("model", false);
        String endpoint = f.text("endpoint", false);
        String name = f.text("name", false);
        String user = f.text("user", false, EndUsers.MAX_USER_CHARS);
        TreeMap<String, String> dimensions = f.dimensions("dimensions");
        String per = f.text("per", false);
        List<Integer> thresholds = thresholds(f.raw("thresholds"), prefix + "thresholds", problems);
        f.rejectUnknown();
        String at = prefix.substring(0, prefix.length() - 1);
        LimitRules.validateFields(at, metric, amount, thresholds, name, problems);
        LimitRules.validateEndUserFields(at, user, dimensions, per, problems);
        if (problems.list().size() > before) {
            return null;
        }
        return new Limit(name, metric, window, amount, mode, provider, model, endpoint, thresholds, user, dimensions,
                per);
    }

    private static List<Integer> thresholds(JsonNode node, String field, Problems problems) {
        if (node == null) {
            return null;
        }
        if (!node.isArray() || node.isEmpty()) {
            problems.add(field, "must be a non-empty array of whole percentages, was " + JsonFields.describe(node));
            return null;
        }
        List<Integer> list = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.canConvertToInt() || !item.isIntegralNumber()) {
                problems.add(field, "must hold whole percentages, found " + JsonFields.describe(item));
                return null;
            }
            list.add(item.intValue());
        }
        return list;
    }

    /** Writes one limit. */
    public static ObjectNode write(ObjectNode out, Limit limit) {
        out.put("name", limit.name());
        out.put("metric", limit.metric());
        out.put("window", limit.window().wireName());
        putAmount(out, "amount", limit.metric(), limit.amount());
        out.put("mode", limit.mode().wireName());
        putNullable(out, "provider", limit.provider());
        putNullable(out, "model", limit.model());
        putNullable(out, "endpoint", limit.endpoint());
        ArrayNode thresholds = out.putArray("thresholds");
        limit.thresholds().forEach(thresholds::add);
        putEndUserFields(out, limit);
        return out;
    }

    /**
     * Writes a limit's {@code user}, {@code dimensions} and {@code per}, each only when set, so answers about limits
     * of the customer as a whole keep their shape.
     */
    public static void putEndUserFields(ObjectNode out, Limit limit) {
        if (limit.user() != null) {
            out.put("user", limit.user());
        }
        if (!limit.dimensions().isEmpty()) {
            ObjectNode dimensions = out.putObject("dimensions");
            limit.dimensions().forEach(dimensions::put);
        }
        if (limit.per() != null) {
            out.put("per", limit.per());
        }
    }

    /** Writes a limit-unit amount: a decimal string for cost (money), a number otherwise, null for none. */
    public static void putAmount(ObjectNode out, String field, String metric, BigDecimal amount) {
        if (amount == null) {
            out.putNull(field);
        } else if (MetricUnit.of(metric).isMoney()) {
            out.put(field, Money.ofRounded(amount).toPlainString());
        } else if (amount.stripTrailingZeros().scale() <= 0) {
            out.put(field, amount.longValue());
        } else {
            out.put(field, amount.stripTrailingZeros());
        }
    }

    static void putNullable(ObjectNode out, String field, String value) {
        if (value == null) {
            out.putNull(field);
        } else {
            out.put(field, value);
        }
    }
}
