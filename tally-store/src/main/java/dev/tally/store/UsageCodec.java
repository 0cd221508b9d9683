package dev.tally.store;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The {@code usage} column: quantities in micros by metric name as a small JSON object, such as
 * {@code {"input_tokens":500000000,"output_tokens":120000000}}.
 *
 * <p>Written and read by hand because the shape is fixed and tiny: metric names are {@code [a-z][a-z0-9_]*} (no
 * character needs escaping) and values are longs. Pulling a JSON library onto the write path for this would cost a
 * dependency and allocations per event for nothing. The encoder refuses any other name, so the column always parses.
 */
final class UsageCodec {
    private UsageCodec() {
    }

    static String encode(Map<String, Long> usageMicros) {
        StringBuilder sb = new StringBuilder(16 + usageMicros.size() * 32).append('{');
        for (Map.Entry<String, Long> e : usageMicros.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('"').append(checkedName(e.getKey())).append("\":").append(e.getValue().longValue());
        }
        return sb.append('}').toString();
    }

    static SortedMap<String, Long> decode(String json) {
        SortedMap<String, Long> usage = new TreeMap<>();
        int end = json.length() - 1;
        if (end < 1 || json.charAt(0) != '{' || json.charAt(end) != '}') {
            throw new IllegalArgumentException("usage column is not a JSON object: " + json);
        }
        int pos = 1;
        while (pos < end) {
            int nameEnd = json.indexOf('"', pos + 1);
            int valueEnd = json.indexOf(',', nameEnd);
            valueEnd = valueEnd < 0 ? end : valueEnd;
            usage.put(json.substring(pos + 1, nameEnd), Long.parseLong(json, nameEnd + 2, valueEnd, 10));
            pos = valueEnd + 1;
        }
        return usage;
    }

    private static String checkedName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')) {
                throw new IllegalArgumentException(
                        "metric name must match [a-z][a-z0-9_]*, was \"" + name + "\"");
            }
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("metric name must not be empty");
        }
        return name;
    }
}
