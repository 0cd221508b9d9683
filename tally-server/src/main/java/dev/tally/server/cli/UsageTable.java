package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * One customer's usage as {@code tally usage} prints it: a title line (name, plan, billing month and reset date in
 * the customer's zone), then one line per limit with its columns aligned, or a totals line when no limit applies:
 * <pre>
 * Acme Corp (pro) - 2026-11-01 to 2026-11-30, resets 2026-12-01
 * openai tokens    520,000 / 500,000   104.0%  EXCEEDED (soft)
 * requests             230 / 1,000,000   0.0%  ok
 * cost              $31.20 / $200.00    15.6%  ok
 * </pre>
 * With colour on, the status is green ({@code ok}), yellow ({@code warning}) or red ({@code critical},
 * {@code EXCEEDED}).
 */
final class UsageTable {
    private static final String GREEN = "\u001B[32m";
    private static final String YELLOW = "\u001B[33m";
    private static final String RED = "\u001B[31m";
    private static final String RESET = "\u001B[0m";
    // Wide enough for "100.0%", so small percentages keep their distance from the amount column.
    private static final int MIN_PERCENT_WIDTH = "100.0%".length();

    private final boolean color;
    private final boolean exact;

    UsageTable(boolean color) {
        this(color, false);
    }

    /** @param exact money with every digit ({@code --exact}) instead of the display rule's cents */
    UsageTable(boolean color, boolean exact) {
        this.color = color;
        this.exact = exact;
    }

    /** The lines of one customer, without line ends. */
    List<String> render(CustomerUsage usage) {
        List<String> lines = new ArrayList<>();
        lines.add(title(usage));
        JsonNode limits = usage.report().path("limits");
        if (limits.isEmpty()) {
            lines.add(totals(usage.report().path("totals"), exact));
            return lines;
        }
        List<Row> rows = new ArrayList<>();
        limits.forEach(limit -> rows.add(Row.of(limit, exact)));
        int labelWidth = 0;
        int amountWidth = 0;
        int percentWidth = MIN_PERCENT_WIDTH;
        for (Row r : rows) {
            labelWidth = Math.max(labelWidth, r.label().length());
            amountWidth = Math.max(amountWidth, Math.max(r.used().length(), r.amount().length()));
            percentWidth = Math.max(percentWidth, r.percent().length());
        }
        for (Row r : rows) {
            lines.add(padRight(r.label(), labelWidth) + "  " + padLeft(r.used(), amountWidth) + " / "
                    + padRight(r.amount(), amountWidth) + " " + padLeft(r.percent(), percentWidth) + "  "
                    + status(r));
        }
        return lines;
    }

    /** Named by its first and last day, since a billing month need not be a calendar month (issue 15.8). */
    private static String title(CustomerUsage usage) {
        JsonNode period = usage.report().path("period");
        String resets = period.hasNonNull("resets_at") ? period.get("resets_at").asText()
                : period.path("end").asText();
        LocalDate resetDate = LocalDate.ofInstant(Instant.parse(resets), usage.zone());
        return usage.name() + " (" + (usage.plan() == null ? "no plan" : usage.plan()) + ") - "
                + PeriodWords.span(period, usage.zone()) + ", resets " + resetDate;
    }

    private static String totals(JsonNode totals, boolean exact) {
        return "requests " + Figures.count(totals.path("requests").asLong())
                + "  tokens " + Figures.count(totals.path("tokens").asLong())
                + "  cost " + money(totals.path("cost").asText("0"), exact);
    }

    private static String money(String decimal, boolean exact) {
        return exact ? Figures.exactMoney(decimal) : Figures.money(decimal);
    }

    private String status(Row r) {
        String word = r.status().equals("exceeded") ? "EXCEEDED" : r.status();
        String shown = color ? colorOf(r.status()) + word + RESET : word;
        return r.soft() ? shown + " (soft)" : shown;
    }

    private static String colorOf(String status) {
        return switch (status) {
            case "ok" -> GREEN;
            case "warning" -> YELLOW;
            default -> RED;
        };
    }

    private static String padRight(String s, int width) {
        return s + " ".repeat(width - s.length());
    }

    private static String padLeft(String s, int width) {
        return " ".repeat(width - s.length()) + s;
    }

    /** One limit's cells, before alignment. */
    private record Row(String label, String used, String amount, String percent, String status, boolean soft) {
        static Row of(JsonNode limit, boolean exact) {
            String metric = limit.path("metric").asText();
            JsonNode percent = limit.path("percent");
            return new Row(label(limit, metric), figure(metric, limit.path("used"), exact),
                    limit.hasNonNull("amount") ? figure(metric, limit.get("amount"), exact) : "unlimited",
                    percent.isNumber() ? percent.decimalValue().setScale(1, RoundingMode.HALF_UP).toPlainString() + "%"
                            : "",
                    limit.path("status").asText(), "soft".equals(limit.path("mode").asText()));
        }

        /** The filters that are set, then the metric, then the window unless it is the month: {@code openai tokens}. */
        private static String label(JsonNode limit, String metric) {
            StringBuilder label = new StringBuilder();
            for (String filter : List.of("provider", "model", "endpoint")) {
                if (limit.hasNonNull(filter)) {
                    label.append(limit.get(filter).asText()).append(' ');
                }
            }
            label.append(metric);
            String window = limit.path("window").asText("month");
            return window.equals("month") ? label.toString() : label + "/" + window;
        }

        private static String figure(String metric, JsonNode value, boolean exact) {
            if (metric.equals("cost")) {
                return money(value.asText(), exact);
            }
            return Figures.decimal(value.decimalValue());
        }
    }
}
