package dev.tally.server.http;

import java.util.List;
import java.util.regex.Pattern;

/**
 * RFC 4180 CSV lines. Cells that a spreadsheet would run as a formula ({@code = + - @} first) are prefixed with a
 * quote mark, so a customer-chosen endpoint name cannot inject a formula into an operator's report.
 */
public final class Csv {
    private static final Pattern PLAIN_DECIMAL = Pattern.compile("-[0-9]+(\\.[0-9]+)?");
    private final StringBuilder out = new StringBuilder();

    /** Appends one line. */
    public Csv line(List<?> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(cell(cells.get(i)));
        }
        out.append("\r\n");
        return this;
    }

    private static String cell(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        // A plain decimal such as a credited cost ("-12.50") is a number, not a formula: it stays as it is.
        if (!(value instanceof Number) && !text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0
                && !PLAIN_DECIMAL.matcher(text).matches()) {
            text = "'" + text;
        }
        if (text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0
                || text.indexOf('\r') >= 0) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
