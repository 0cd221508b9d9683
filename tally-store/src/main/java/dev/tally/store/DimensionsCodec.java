package dev.tally.store;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The {@code dimensions} column of {@code events}: an event's dimensions as a JSON object of strings, such as
 * {@code {"bot":"support","platform":"instagram"}}, or NULL when it has none.
 *
 * <p>By hand, like {@link UsageCodec}, to keep a JSON library off the write path: keys are lower_snake_case (checked
 * at the edge) and values are escaped as JSON strings, so both databases' JSON functions read the column too (the
 * log's {@code dimension.KEY=VALUE} filter).
 */
final class DimensionsCodec {
    private DimensionsCodec() {
    }

    /** The column text of {@code dimensions}; null for none. */
    static String encode(Map<String, String> dimensions) {
        if (dimensions.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder(16 + dimensions.size() * 32).append('{');
        for (Map.Entry<String, String> e : dimensions.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            quote(sb, e.getKey()).append(':');
            quote(sb, e.getValue());
        }
        return sb.append('}').toString();
    }

    /** The dimensions of a column text written by {@link #encode}; empty for null. */
    static SortedMap<String, String> decode(String json) {
        SortedMap<String, String> out = new TreeMap<>();
        if (json == null) {
            return out;
        }
        int[] pos = {1};
        while (pos[0] < json.length() && json.charAt(pos[0]) == '"') {
            String key = unquote(json, pos);
            pos[0]++; // ':'
            out.put(key, unquote(json, pos));
            if (json.charAt(pos[0]) == ',') {
                pos[0]++;
            }
        }
        return out;
    }

    private static StringBuilder quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    /** The string that starts at {@code pos[0]} (its opening quote); leaves {@code pos[0]} after its closing one. */
    private static String unquote(String json, int[] pos) {
        StringBuilder sb = new StringBuilder();
        int i = pos[0] + 1;
        for (char c = json.charAt(i); c != '"'; c = json.charAt(++i)) {
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char escaped = json.charAt(++i);
            switch (escaped) {
                case 'u' -> {
                    sb.append((char) Integer.parseInt(json, i + 1, i + 5, 16));
                    i += 4;
                }
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                default -> sb.append(escaped); // '"', '\\', '/'
            }
        }
        pos[0] = i + 1;
        return sb.toString();
    }
}
