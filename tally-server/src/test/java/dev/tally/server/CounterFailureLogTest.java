package dev.tally.server;

import dev.tally.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Counter failures are logged as one line with the cause, at most once per interval, counting those left out. */
class CounterFailureLogTest {
    private final MutableClock clock = MutableClock.at("2026-12-07T00:00:00Z");
    private final List<String> lines = new ArrayList<>();
    private final CounterFailureLog log = new CounterFailureLog("FAIL_OPEN", clock, Duration.ofSeconds(10),
            (line, e) -> lines.add(line));

    @Test
    void oneLinePerInterval_withTheRootCause_andTheCountLeftOut() {
        RuntimeException failure = new IllegalStateException("script failed",
                new IllegalArgumentException("limit of day:requests was 9007199254740992"));
        for (int i = 0; i < 1000; i++) {
            log.accept(failure);
        }
        assertThat(lines).containsExactly("Enforcement counters failed; decisions follow the failure policy "
                + "(FAIL_OPEN unless the plan sets one): java.lang.IllegalStateException: script failed, caused by "
                + "java.lang.IllegalArgumentException: limit of day:requests was 9007199254740992");

        clock.advance(Duration.ofSeconds(9));
        log.accept(failure);
        assertThat(lines).hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        log.accept(new IllegalStateException("Redis\nis down"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).endsWith("java.lang.IllegalStateException: Redis is down (1000 more failures since "
                + "the last report)");
    }
}
