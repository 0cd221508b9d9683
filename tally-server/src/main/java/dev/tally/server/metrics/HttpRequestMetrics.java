package dev.tally.server.metrics;

import io.javalin.http.Context;
import io.javalin.http.RequestLogger;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Times every HTTP request by route template, method and status: {@code http_server_requests_seconds}, a histogram.
 *
 * <p>The route is the template the request matched ({@code /v1/customers/{id}}), never the raw path, which would
 * make a series per customer. Requests that matched no route are {@code static} (console assets) when they
 * succeeded and {@code unmatched} otherwise (404, 405). Javalin calls this once the answer is complete, asynchronous
 * answers (ingestion) included, with the time since the request arrived.
 */
public final class HttpRequestMetrics implements RequestLogger {
    static final String NAME = "http.server.requests";
    /**
     * Bucket bounds from 100 us (an authorization on loopback takes tens of microseconds of server time) to 10 s (a
     * large import): roughly 1-2.5-5 steps, so a p99 read from them is within a factor of about two.
     */
    private static final Duration[] BUCKETS = {
            Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    /** The timer of each series seen so far: registering takes a lock and builds tags, so it is done once. */
    private final Map<Series, Timer> timers = new ConcurrentHashMap<>();

    /** Times requests into {@code registry}. */
    public HttpRequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One series: bounded values only. */
    private record Series(String route, String method, int status) {
    }

    @Override
    public void handle(Context ctx, Float executionTimeMs) {
        int status = ctx.statusCode();
        record(route(ctx, status), ctx.method().name(), status, (long) (executionTimeMs * 1_000_000.0));
    }

    /**
     * Records one request of {@code route} (a template or {@code static}/{@code unmatched}), what {@link #handle}
     * does for each answer; public for the calls answered before Javalin ({@code DirectRoutes}) and for the benchmark
     * that measures its cost.
     */
    public void record(String route, String method, int status, long nanos) {
        Series series = new Series(route, method, status);
        Timer timer = timers.get(series);
        if (timer == null) {
            timer = timers.computeIfAbsent(series, this::register);
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    private static String route(Context ctx, int status) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        if (endpoint != null) {
            return endpoint.path;
        }
        return status < 400 ? "static" : "unmatched";
    }

    private Timer register(Series s) {
        return Timer.builder(NAME)
                .description("HTTP requests by route template, method and status")
                .tag("route", s.route()).tag("method", s.method()).tag("status", Integer.toString(s.status()))
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }
}
