package dev.tally.server.json;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.bounds.Bounds;
import dev.tally.core.event.EndUsers;
import dev.tally.core.problem.Problems;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the fields of one JSON object strictly, recording a problem for every field of the wrong type or out of
 * range, and (with {@link #rejectUnknown()}) for every field the contract does not define.
 */
public final class JsonFields {
    /** The longest text field accepted. */
    static final int MAX_TEXT = 256;

    private final JsonNode node;
    private final String prefix;
    private final Problems problems;
    private final Set<String> read = new HashSet<>();

    /**
     * @param node     the object to read; a non-object is recorded as a problem
     * @param prefix   the path of the object, e.g. {@code "limits[2]."}, or {@code ""} at the top
     * @param problems where problems are recorded
     */
    public JsonFields(JsonNode node, String prefix, Problems problems) {
        this.node = node;
        this.prefix = prefix;
        this.problems = problems;
        if (node == null || !node.isObject()) {
            String at = prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
            problems.add(at.isEmpty() ? "body" : at, "must be a JSON object, was " + describe(node));
        }
    }

    public boolean isObject() {
        return node != null && node.isObject();
    }

    /** The field's node, or null when absent or JSON null. */
    public JsonNode raw(String name) {
        read.add(name);
        if (!isObject()) {
            return null;
        }
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value;
    }

    /** Whether the field is present, even as null. */
    public boolean has(String name) {
        return isObject() && node.has(name);
    }

    /** A month field as {@code YYYY-MM}; null when absent (recorded as a problem if required) or malformed. */
    public java.time.YearMonth month(String name, boolean required) {
        String text = text(name, required);
        if (text == null) {
            return null;
        }
        try {
            return java.time.YearMonth.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            problems.add(prefix + name, "must be a month as YYYY-MM, was \"" + text + "\"");
            return null;
        }
    }

    /** A string field of 1 to 256 characters; null when absent (recorded as a problem if required). */
    public String text(String name, boolean required) {
        return text(name, required, MAX_TEXT);
    }

    /** A string field of 1 to {@code maxChars} characters; null when absent (recorded as a problem if required). */
    public String text(String name, boolean required, int maxChars) {
        JsonNode value = raw(name);
        if (value == null) {
            if (required) {
                problems.add(prefix + name, "is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            problems.add(prefix + name, "must be a string, was " + describe(value));
            return null;
        }
        String text = value.asText();
        if (text.isEmpty() || text.length() > maxChars) {
            problems.add(prefix + name, "must be 1 to " + maxChars + " characters, was " + text.length());
            return null;
        }
        return text;
    }

    /**
     * An object of string values by lower_snake_case key ({@code dimensions}), checked by {@link EndUsers}; empty
     * when absent, null when it has a problem (recorded).
     */
    public TreeMap<String, String> dimensions(String name) {
        JsonNode value = raw(name);
        TreeMap<String, String> out = new TreeMap<>();
        if (value == null) {
            return out;
        }
        if (!value.isObject()) {
            problems.add(prefix + name, "must be an object of string values, was " + describe(value));
            return null;
        }
        Problems found = new Problems();
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                found.add(name + "." + e.getKey(), "must be a string, was " + describe(e.getValue()));
            } else {
                out.put(e.getKey(), e.getValue().asText());
            }
        }
        if (found.isEmpty()) {
            EndUsers.checkDimensions(name, out, found);
        }
        problems.addAll(prefix, found.list());
        return found.isEmpty() ? out : null;
    }

    /** A whole-number field in {@code [min, max]}; null when absent. */
    public Long integer(String name, long min, long max, boolean required) {
        JsonNode value = raw(name);
        if (value == null) {
            if (required) {
                problems.add(prefix + name, "is required");
            }
            return null;
        }
        BigDecimal number = value.isNumber() ? value.decimalValue() : null;
        if (number != null && Bounds.digitsProblem(number) != null) {
            problems.add(prefix + name, "must be between " + min + " and " + max + ", was " + Bounds.show(number));
            return null;
        }
        if (number == null || number.stripTrailingZeros().scale() > 0) {
            problems.add(prefix + name, "must be a whole number, was " + describe(value));
            return null;
        }
        if (number.compareTo(BigDecimal.valueOf(min)) < 0 || number.compareTo(BigDecimal.valueOf(max)) > 0) {
            problems.add(prefix + name, "must be between " + min + " and " + max + ", was " + number.toPlainString());
            return null;
        }
        return number.longValueExact();
    }

    /** An exact decimal given as a JSON number or a decimal string; null when absent. */
    public BigDecimal decimal(String name, boolean required) {
        JsonNode value = raw(name);
        if (value == null) {
            if (required) {
                problems.add(prefix + name, "is required");
            }
            return null;
        }
        return decimalOf(prefix + name, value, problems);
    }

    /** An ISO-8601 timestamp with an offset; null when absent. */
    public Instant timestamp(String name) {
        JsonNode value = raw(name);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            problems.add(prefix + name, "must be an ISO-8601 timestamp string, was " + describe(value));
            return null;
        }
        try {
            return Timestamps.parse(value.asText());
        } catch (DateTimeParseException e) {
            problems.add(prefix + name, "must be an ISO-8601 timestamp with an offset such as "
                    + "2026-11-22T10:15:00Z, was \"" + value.asText() + "\"");
            return null;
        }
    }

    /** Records a problem for every field that no reader asked for. */
    public void rejectUnknown() {
        if (!isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!read.contains(name)) {
                problems.add(prefix + name, "is not a known field");
            }
        }
    }

    /** An exact decimal from a JSON number or decimal string, or null with a recorded problem. */
    public static BigDecimal decimalOf(String field, JsonNode value, Problems problems) {
        BigDecimal number = null;
        if (value.isNumber()) {
            number = value.decimalValue();
        } else if (value.isTextual()) {
            String text = value.asText();
            try {
                // Long text is refused before parsing, which takes time that grows faster than its length.
                number = text.length() > Bounds.MAX_DECIMAL_TEXT ? null : new BigDecimal(text);
            } catch (NumberFormatException e) {
                number = null;
            }
            if (number == null) {
                problems.add(field, "must be a decimal number of at most " + Bounds.MAX_DIGITS + " digits either "
                        + "side of the point, was \"" + Bounds.show(text) + "\"");
                return null;
            }
        }
        if (number != null) {
            String digits = Bounds.digitsProblem(number);
            if (digits != null) {
                problems.add(field, digits);
                return null;
            }
            return number;
        }
        problems.add(field, "must be a number, was " + describe(value));
        return null;
    }

    /** A short description of a JSON value for error messages. */
    public static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "missing";
        }
        if (value.isNull()) {
            return "null";
        }
        if (value.isTextual()) {
            String t = value.asText();
            return "\"" + (t.length() > 40 ? t.substring(0, 40) + "..." : t) + "\"";
        }
        if (value.isObject()) {
            return "an object";
        }
        if (value.isArray()) {
            return "an array";
        }
        return value.toString();
    }
}
