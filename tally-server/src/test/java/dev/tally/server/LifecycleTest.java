package dev.tally.server;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Lifecycle}: started components stop in reverse, on a stop and after a failed start. */
class LifecycleTest {
    private final List<String> stopped = new ArrayList<>();
    private final Lifecycle lifecycle = new Lifecycle();

    @Test
    void stop_threeStarted_stopsThemLastFirstAndOnlyOnce() {
        for (String name : List.of("store", "writer", "http")) {
            lifecycle.start(name, () -> name, stopped::add);
        }
        lifecycle.stop();
        lifecycle.stop();
        assertThat(stopped).containsExactly("http", "writer", "store");
    }

    @Test
    void abort_failedStepAndFailingStop_stopsTheStartedOnesAndKeepsTheCause() {
        lifecycle.start("store", () -> "store", stopped::add);
        lifecycle.start("writer", () -> "writer", w -> {
            throw new IllegalStateException("writer would not stop");
        });
        IllegalStateException cause = new IllegalStateException("port taken");
        assertThatThrownBy(() -> lifecycle.<String>start("http", () -> {
            throw cause;
        }, stopped::add)).isSameAs(cause);
        lifecycle.abort(cause);
        assertThat(stopped).containsExactly("store");
        assertThat(cause.getSuppressed()).extracting(Throwable::getMessage).containsExactly("writer would not stop");
    }

    @Test
    void start_afterStop_isRefused() {
        lifecycle.stop();
        assertThatThrownBy(() -> lifecycle.start("late", () -> "late", stopped::add))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("late");
        assertThat(stopped).isEmpty();
    }
}
