package dev.tally.server.notify;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The e-mail for one event body: a subject naming the customer, limit and percent, and the same facts as plain
 * text and as HTML. Rendered from the stored payload, so an e-mail says exactly what a webhook receiver gets.
 *
 * @param subject the subject line
 * @param text    the plain-text part
 * @param html    the HTML part
 */
record AlertEmail(String subject, String text, String html) {
    /** Renders the e-mail of an event body ({@code {"type", "timestamp", "data"}}). */
    static AlertEmail of(JsonNode event) {
        String type = event.path("type").asText("event");
        JsonNode data = event.path("data");
        String message = data.path("message").asText("");
        if (!type.startsWith("alert.")) {
            return render("[Tally] " + message, message, Map.of("Event", type));
        }
        String customer = text(data, "customer", "all customers");
        String limit = text(data, "limit", data.path("kind").asText(""));
        String percent = data.path("percent").isNumber() ? percent(data.path("percent").decimalValue()) : null;
        String subject = "[Tally] " + customer + ": " + limit + (percent == null ? "" : " at " + percent)
                + " (" + type.substring("alert.".length()).replace('_', ' ') + ")";
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("Customer", customer);
        facts.put("Limit", limit);
        if (percent != null) {
            facts.put("Percent", percent);
        }
        if (data.path("threshold").isNumber()) {
            facts.put("Threshold", data.path("threshold").asText() + "%");
        }
        facts.put("Kind", data.path("kind").asText(""));
        facts.put("Period", data.path("period").asText(""));
        facts.put("Alert", data.path("id").asText(""));
        facts.put("Fired at", data.path("created_at").asText(""));
        return render(subject, message, facts);
    }

    private static AlertEmail render(String subject, String message, Map<String, String> facts) {
        StringBuilder text = new StringBuilder(message).append("\n\n");
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html><body><p>").append(escape(message))
                .append("</p><table>");
        facts.forEach((name, value) -> {
            text.append(name).append(": ").append(value).append('\n');
            html.append("<tr><th align=\"left\">").append(escape(name)).append("</th><td>").append(escape(value))
                    .append("</td></tr>");
        });
        text.append("\n-- \nSent by Tally. Acknowledge or resolve alerts through /v1/alerts.\n");
        html.append("</table><p style=\"color:#666\">Sent by Tally.</p></body></html>");
        return new AlertEmail(subject, text.toString(), html.toString());
    }

    /** One decimal at least, as alerts carry it: a JSON tree reads {@code 85.0} back as {@code 85}. */
    private static String percent(BigDecimal value) {
        return (value.scale() < 1 ? value.setScale(1) : value).toPlainString() + "%";
    }

    private static String text(JsonNode data, String field, String whenMissing) {
        JsonNode value = data.path(field);
        return value.isTextual() ? value.asText() : whenMissing;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
