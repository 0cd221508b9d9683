package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Alerts as aligned text lines: when (UTC), state, kind, customer, limit, percent, then the message. The state is
 * coloured when asked: red while active, yellow once acknowledged, green when resolved.
 */
final class AlertTable {
    private static final String GREEN = "\u001B[32m";
    private static final String YELLOW = "\u001B[33m";
    private static final String RED = "\u001B[31m";
    private static final String RESET = "\u001B[0m";
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String[] HEADERS = {"CREATED", "STATE", "KIND", "CUSTOMER", "LIMIT", "PERCENT"};

    private final boolean color;

    AlertTable(boolean color) {
        this.color = color;
    }

    /** The header line and one line per alert. */
    List<String> render(List<JsonNode> alerts) {
        List<String[]> rows = new ArrayList<>();
        for (JsonNode a : alerts) {
            rows.add(new String[]{WHEN.format(Instant.parse(a.path("created_at").asText())),
                    a.path("state").asText(), a.path("kind").asText(), text(a.get("customer"), "(all)"),
                    text(a.get("limit"), "-"), percent(a.get("percent"))});
        }
        int[] widths = new int[HEADERS.length];
        for (int i = 0; i < HEADERS.length; i++) {
            widths[i] = HEADERS[i].length();
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(line(HEADERS, widths, false) + "  MESSAGE");
        for (int r = 0; r < rows.size(); r++) {
            lines.add(line(rows.get(r), widths, color) + "  " + alerts.get(r).path("message").asText());
        }
        return lines;
    }

    private static String line(String[] cells, int[] widths, boolean color) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                sb.append("  ");
            }
            // PERCENT is a number: right-aligned; the rest left-aligned.
            String cell = i == cells.length - 1 ? " ".repeat(widths[i] - cells[i].length()) + cells[i]
                    : cells[i] + " ".repeat(widths[i] - cells[i].length());
            sb.append(i == 1 && color ? paint(cells[i], cell) : cell);
        }
        return sb.toString();
    }

    private static String paint(String state, String cell) {
        String c = switch (state) {
            case "active" -> RED;
            case "acknowledged" -> YELLOW;
            default -> GREEN;
        };
        return c + cell + RESET;
    }

    private static String percent(JsonNode p) {
        return p == null || p.isNull() ? "-" : p.decimalValue().setScale(1, java.math.RoundingMode.HALF_UP)
                .toPlainString() + "%";
    }

    private static String text(JsonNode node, String absent) {
        return node == null || node.isNull() ? absent : node.asText();
    }
}
