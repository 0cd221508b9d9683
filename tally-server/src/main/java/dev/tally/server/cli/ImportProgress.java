package dev.tally.server.cli;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The progress line of {@code tally import} on stderr, redrawn in place at most ten times a second:
 * {@code [=======>            ]  37%  3.1 MB / 8.4 MB  12,400 events/s}. Only drawn on a terminal; elsewhere
 * {@link #none()} keeps logs and pipes clean.
 */
final class ImportProgress {
    private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int BAR_WIDTH = 24;

    private final PrintWriter err;
    private final long totalBytes;
    private final LongSupplier nanoTime;
    private final long startNanos;
    private long lastDrawNanos;
    private int drawnWidth;

    /**
     * A progress line for a file of {@code totalBytes}.
     *
     * @param nanoTime the clock ({@code System::nanoTime}); tests pass their own
     */
    ImportProgress(PrintWriter err, long totalBytes, LongSupplier nanoTime) {
        this.err = err;
        this.totalBytes = totalBytes;
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime.getAsLong();
        this.lastDrawNanos = startNanos - REDRAW_NANOS;
    }

    /** A progress line that never draws. */
    static ImportProgress none() {
        return new ImportProgress(null, 0, () -> 0);
    }

    /** Redraws the line, unless it was drawn less than a tenth of a second ago. */
    void update(long bytesRead, long events) {
        if (err == null) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (now - lastDrawNanos < REDRAW_NANOS) {
            return;
        }
        lastDrawNanos = now;
        String line = line(bytesRead, events, now - startNanos);
        err.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
        err.flush();
        drawnWidth = line.length();
    }

    /** Wipes the line, so that other output starts at the left margin; the next update draws it again. */
    void clear() {
        if (err != null && drawnWidth > 0) {
            err.print("\r" + " ".repeat(drawnWidth) + "\r");
            err.flush();
            drawnWidth = 0;
            lastDrawNanos = nanoTime.getAsLong() - REDRAW_NANOS;
        }
    }

    /** The text of the line after {@code elapsedNanos}. */
    String line(long bytesRead, long events, long elapsedNanos) {
        long bytes = Math.min(bytesRead, totalBytes);
        int percent = totalBytes == 0 ? 100 : (int) (bytes * 100 / totalBytes);
        int filled = totalBytes == 0 ? BAR_WIDTH : (int) (bytes * BAR_WIDTH / totalBytes);
        String bar = "=".repeat(filled) + (filled < BAR_WIDTH ? ">" + " ".repeat(BAR_WIDTH - filled - 1) : "");
        long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(elapsedNanos));
        return "[" + bar + "] " + String.format("%3d%%", percent) + "  " + size(bytes) + " / " + size(totalBytes)
                + "  " + Figures.count(events * 1000 / millis) + " events/s";
    }

    private static String size(long bytes) {
        if (bytes < 1_000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        int unit = 0;
        long scale = 1_000;
        while (unit < units.length - 1 && bytes >= scale * 1_000) {
            unit++;
            scale *= 1_000;
        }
        return BigDecimal.valueOf(bytes).divide(BigDecimal.valueOf(scale), 1, RoundingMode.HALF_UP) + " "
                + units[unit];
    }
}
