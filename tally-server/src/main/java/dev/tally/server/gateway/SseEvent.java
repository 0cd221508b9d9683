package dev.tally.server.gateway;

import java.nio.charset.StandardCharsets;

/**
 * One server-sent event's name and data (its {@code data:} lines joined by newlines), as the SSE specification
 * reads them; comments and other fields are skipped.
 *
 * @param name the {@code event:} field, or null
 * @param data the data, or null when the event has none
 */
record SseEvent(String name, String data) {
    static SseEvent parse(byte[] bytes, int length) {
        String text = new String(bytes, 0, length, StandardCharsets.UTF_8);
        String name = null;
        StringBuilder data = null;
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            String line = text.substring(start, end > start && text.charAt(end - 1) == '\r' ? end - 1 : end);
            start = end + 1;
            if (line.startsWith("data:")) {
                String value = value(line, 5);
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            } else if (line.startsWith("event:")) {
                name = value(line, 6);
            }
        }
        return new SseEvent(name, data == null ? null : data.toString());
    }

    /** A field's value: after the colon, one leading space dropped. */
    private static String value(String line, int colon) {
        return line.length() > colon && line.charAt(colon) == ' ' ? line.substring(colon + 1) : line.substring(colon);
    }
}
