package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;

import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What is left of each limit, as {@code tally left} prints it: one row per thing counted, its windows side by side
 * (issue 15.7):
 * <pre>
 * Me (personal)
 * anthropic requests  today     15 / 1,000   1.5%    985 left   this month    320 / 20,000   1.6%  19,680 left
 * spend-today         today  $0.40 / $5.00   8.0%  $4.60 left
 * </pre>
 * Limits with the derived name of what they count ({@code anthropic-requests-day}) share a row, read as
 * "anthropic requests"; a limit the user named keeps its name and a row of its own. With colour on, the percent and
 * what is left are green ({@code ok}), yellow ({@code warning}) or red ({@code critical}, {@code exceeded}).
 */
final class LeftTable {
    private static final String RESET = "\u001B[0m";
    private static final List<String> WINDOWS = List.of("minute", "hour", "day", "month");

    private final boolean color;

    LeftTable(boolean color) {
        this.color = color;
    }

    /** The lines for one customer's usage report, without line ends. */
    List<String> render(String title, JsonNode report) {
        Map<String, Map<String, Cell>> rows = new LinkedHashMap<>();
        for (JsonNode limit : report.path("limits")) {
            String window = limit.path("window").asText();
            Map<String, Cell> row = rows.computeIfAbsent(rowLabel(limit), k -> new LinkedHashMap<>());
            row.put(window, Cell.of(limit));
        }
        List<String> lines = new ArrayList<>();
        lines.add(title);
        if (rows.isEmpty()) {
            lines.add("no limits apply");
            return lines;
        }
        List<String> windows = WINDOWS.stream().filter(w -> rows.values().stream().anyMatch(r -> r.containsKey(w)))
                .toList();
        int labelWidth = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
        Map<String, int[]> widths = new LinkedHashMap<>();
        for (String w : windows) {
            int[] width = new int[4];
            rows.values().stream().map(r -> r.get(w)).filter(c -> c != null).forEach(c -> {
                width[0] = Math.max(width[0], c.used().length());
                width[1] = Math.max(width[1], c.amount().length());
                width[2] = Math.max(width[2], c.percent().length());
                width[3] = Math.max(width[3], c.left().length());
            });
            widths.put(w, width);
        }
        rows.forEach((label, cells) -> {
            StringBuilder line = new StringBuilder(pad(label, labelWidth, false));
            for (String w : windows) {
                line.append("   ").append(cell(w, cells.get(w), widths.get(w)));
            }
            lines.add(line.toString().stripTrailing());
        });
        return lines;
    }

    private String cell(String window, Cell c, int[] width) {
        String word = pad(windowWord(window), "this minute".length(), false);
        if (c == null) {
            return " ".repeat(word.length() + 2 + width[0] + 3 + width[1] + 2 + width[2] + 2 + width[3] + 5);
        }
        String figures = pad(c.percent(), width[2], true) + "  " + pad(c.left(), width[3], true) + " left";
        if (c.left().isEmpty()) {
            figures = pad("", width[2], true) + "  " + pad("", width[3], true) + "     ";
        }
        String shown = color && !c.left().isEmpty() ? colorOf(c.status()) + figures + RESET : figures;
        return word + "  " + pad(c.used(), width[0], true) + (c.amount().isEmpty() ? "   " : " / ")
                + pad(c.amount(), width[1], false) + "  " + shown;
    }

    /** The derived words of what a limit counts ("anthropic requests"), or the name the user gave it. */
    private static String rowLabel(JsonNode limit) {
        String metric = limit.path("metric").asText();
        String provider = text(limit, "provider");
        String model = text(limit, "model");
        String endpoint = text(limit, "endpoint");
        Window window = Window.fromWireName(limit.path("window").asText());
        String name = limit.path("name").asText();
        Map<String, String> dimensions = new TreeMap<>();
        limit.path("dimensions").fields().forEachRemaining(e -> dimensions.put(e.getKey(), e.getValue().asText()));
        if (window != null && !name.equals(Limit.defaultName(metric, window, provider, model, endpoint,
                text(limit, "user"), dimensions, text(limit, "per")))) {
            return name;
        }
        StringBuilder label = new StringBuilder();
        for (String part : new String[]{provider, model, endpoint}) {
            if (part != null) {
                label.append(part).append(' ');
            }
        }
        return label.append(metric).toString();
    }

    private static String windowWord(String window) {
        return switch (window) {
            case "day" -> "today";
            default -> "this " + window;
        };
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    private static String colorOf(String status) {
        return switch (status) {
            case "ok" -> "\u001B[32m";
            case "warning" -> "\u001B[33m";
            default -> "\u001B[31m";
        };
    }

    private static String pad(String s, int width, boolean left) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return left ? fill + s : s + fill;
    }

    /** One limit's figures as people read them: used, amount, percent and what is left (empty when unlimited). */
    private record Cell(String used, String amount, String percent, String left, String status) {
        static Cell of(JsonNode limit) {
            String metric = limit.path("metric").asText();
            JsonNode percent = limit.path("percent");
            boolean limited = limit.hasNonNull("amount");
            return new Cell(figure(metric, limit.path("used")),
                    limited ? figure(metric, limit.get("amount")) : "",
                    percent.isNumber() ? percent.decimalValue().setScale(1, RoundingMode.HALF_UP).toPlainString() + "%"
                            : "",
                    limited ? figure(metric, limit.path("remaining")) : "",
                    limit.path("status").asText());
        }

        private static String figure(String metric, JsonNode value) {
            return metric.equals("cost") ? Figures.money(value.asText()) : Figures.decimal(value.decimalValue());
        }
    }
}
