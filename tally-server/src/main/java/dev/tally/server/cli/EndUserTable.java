package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * The text of {@code tally usage --customer ID --user USER} and {@code --by user|dimension.KEY}: one end user's month,
 * or a customer's usage by end user or by a dimension's values, in aligned columns.
 */
final class EndUserTable {
    private final boolean exact;

    EndUserTable(boolean exact) {
        this.exact = exact;
    }

    /**
     * One end user: its totals, then each limit its calls count toward, with its scope. The billing month is named by
     * its first and last day in the customer's {@code zone}, as the customer's own usage is.
     */
    List<String> user(String customerName, ZoneId zone, JsonNode report) {
        List<String> lines = new ArrayList<>();
        lines.add(report.path("user").asText() + " (end user of " + customerName + ") - "
                + PeriodWords.span(report.path("period"), zone));
        JsonNode totals = report.path("totals");
        lines.add("requests " + Figures.count(totals.path("requests").asLong()) + "  tokens "
                + Figures.count(totals.path("tokens").asLong()) + "  cost " + money(totals.path("cost").asText("0")));
        List<String[]> rows = new ArrayList<>();
        for (JsonNode l : report.path("limits")) {
            String amount = l.path("amount").isNull() ? "unlimited" : figure(l, l.path("amount"));
            rows.add(new String[]{l.path("name").asText() + " (" + l.path("scope").asText() + ")",
                figure(l, l.path("used")) + " / " + amount, l.path("status").asText()});
        }
        lines.addAll(aligned(rows));
        return lines;
    }

    /**
     * Rows of users or dimension values, most requests first as the server answers them.
     *
     * @param nameField {@code user} or {@code value}
     * @param more      whether the server had more rows than shown
     */
    List<String> rows(String title, JsonNode rows, String nameField, boolean more) {
        List<String> lines = new ArrayList<>();
        lines.add(title);
        List<String[]> table = new ArrayList<>();
        table.add(new String[]{nameField, "requests", "errors", "tokens", "cost"});
        for (JsonNode r : rows) {
            table.add(new String[]{r.path(nameField).asText(), Figures.count(r.path("requests").asLong()),
                Figures.count(r.path("errors").asLong()), Figures.count(r.path("tokens").asLong()),
                money(r.path("cost").asText("0"))});
        }
        lines.addAll(aligned(table));
        if (table.size() == 1) {
            lines.add("none");
        }
        if (more) {
            lines.add("(more not shown)");
        }
        return lines;
    }

    private String figure(JsonNode limit, JsonNode value) {
        return "cost".equals(limit.path("metric").asText()) ? money(value.asText())
                : Figures.count(value.asLong());
    }

    private String money(String decimal) {
        return exact ? Figures.exactMoney(decimal) : Figures.money(decimal);
    }

    /** Columns padded to their widest cell: the first left-aligned, the others right-aligned. */
    private static List<String> aligned(List<String[]> rows) {
        int columns = rows.isEmpty() ? 0 : rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        List<String> lines = new ArrayList<>();
        for (String[] row : rows) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                String cell = row[c];
                String pad = " ".repeat(widths[c] - cell.length());
                sb.append(c == 0 ? "" : "  ").append(c == 0 ? cell + pad : pad + cell);
            }
            lines.add(sb.toString().stripTrailing());
        }
        return lines;
    }
}
