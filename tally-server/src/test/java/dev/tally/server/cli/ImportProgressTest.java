package dev.tally.server.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ImportProgressTest {
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final StringWriter err = new StringWriter();
    private final ImportProgress progress = new ImportProgress(new PrintWriter(err), 8_400_000, nanos::get);

    @Test
    void line_partWay_showsBarPercentSizesAndRate() {
        assertThat(progress.line(3_150_000, 12_400, TimeUnit.SECONDS.toNanos(1)))
                .isEqualTo("[=========>              ]  37%  3.2 MB / 8.4 MB  12,400 events/s");
    }

    @Test
    void update_withinTenthOfSecond_drawsOnceThenAgainLater() {
        progress.update(1_000_000, 10);
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(50));
        progress.update(2_000_000, 20);
        assertThat(err.toString()).startsWith("\r[").doesNotContain(" 23%");

        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(60));
        progress.update(2_000_000, 20);
        assertThat(err.toString()).contains(" 23%");
    }

    @Test
    void clear_afterDraw_blanksTheLine() {
        progress.update(1_000_000, 10);
        int drawn = err.toString().length() - 1;

        progress.clear();

        assertThat(err.toString()).endsWith("\r" + " ".repeat(drawn) + "\r");
    }

    @Test
    void none_update_printsNothing() {
        ImportProgress none = ImportProgress.none();
        none.update(5, 5);
        none.clear();
        assertThat(err.toString()).isEmpty();
    }
}
