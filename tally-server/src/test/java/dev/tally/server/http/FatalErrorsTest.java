package dev.tally.server.http;

import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15.1: an error while handling an error is reported once and never thrown back (thrown back, Jetty's error
 * handling looped on it with a thread at 100% CPU).
 */
class FatalErrorsTest {
    private final AtomicInteger status = new AtomicInteger();
    private final AtomicInteger logAttempts = new AtomicInteger();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @Test
    void handle_loggingThrowsNoClassDefFound_answers500AndTriesTheLogOnce() {
        FatalErrors errors = new FatalErrors((message, error) -> {
            logAttempts.incrementAndGet();
            throw new NoClassDefFoundError("ch/qos/logback/classic/spi/ThrowableProxy");
        }, new PrintStream(stderr, true, StandardCharsets.UTF_8));

        errors.handle(response(), new NoClassDefFoundError("dev/tally/server/json/EventJson"));

        assertThat(status).hasValue(500);
        assertThat(logAttempts).hasValue(1);
        assertThat(stderr.toString(StandardCharsets.UTF_8))
                .contains("dev/tally/server/json/EventJson").contains("ThrowableProxy").contains("rewritten");
    }

    @Test
    void handle_responseAndFallbackFail_returnsNormally() {
        PrintStream broken = new PrintStream(new ByteArrayOutputStream()) {
            @Override
            public void println(String x) {
                throw new NoClassDefFoundError("java/io/Whatever");
            }
        };
        FatalErrors errors = new FatalErrors((message, error) -> {
            throw new OutOfMemoryError("while logging");
        }, broken);
        HttpServletResponse failing = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{HttpServletResponse.class}, (proxy, method, args) -> {
                    throw new NoClassDefFoundError("org/eclipse/jetty/Something");
                });

        errors.handle(failing, new NoClassDefFoundError("x"));
        // Reaching this line is the test: nothing was thrown back to the caller.
        assertThat(status).hasValue(0);
    }

    @Test
    void handle_loggingWorks_logsOnceWithTheError() {
        NoClassDefFoundError error = new NoClassDefFoundError("y");
        FatalErrors errors = new FatalErrors((message, thrown) -> {
            logAttempts.incrementAndGet();
            assertThat(thrown).isSameAs(error);
        }, new PrintStream(stderr, true, StandardCharsets.UTF_8));

        errors.handle(response(), error);

        assertThat(logAttempts).hasValue(1);
        assertThat(stderr.size()).isZero();
    }

    private HttpServletResponse response() {
        return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{HttpServletResponse.class}, (proxy, method, args) -> {
                    if (method.getName().equals("setStatus")) {
                        status.set((Integer) args[0]);
                    }
                    return null;
                });
    }
}
