package dev.tally.client.servlet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.client.Authorizer;
import dev.tally.client.Call;
import dev.tally.client.Decision;
import dev.tally.client.Event;
import dev.tally.client.EventSink;
import dev.tally.client.RemoteAuthorizer;
import dev.tally.client.RemoteEventSink;
import dev.tally.client.TallyClient;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A servlet filter that meters an API with Tally: it authorizes each call of a customer, answers {@code 429} when
 * a limit is used up, and records what each call used.
 *
 * <pre>{@code
 * TallyClient tally = TallyClient.builder().baseUrl("http://localhost:8080").apiKey(adminKey)
 *         .timeout(Duration.ofSeconds(2)).build();
 * TallyFilter filter = TallyFilter.builder()
 *         .customer(request -> customersByKey.get(request.getHeader("X-Api-Key")))
 *         .remote(tally)
 *         .build();
 * }</pre>
 *
 * <p>Per request:
 * <ol>
 *   <li>The customer function names the customer; null means "not metered" and the request passes untouched.</li>
 *   <li>The {@link Authorizer} decides, with the provider, model, endpoint (default: the request URI) and estimate
 *       the optional functions give. On a denial the answer is {@code 429} {@code application/problem+json}
 *       ({@code type}, {@code title}, {@code status}, {@code detail} = the decision's message, {@code code},
 *       {@code retry_after_seconds}) with {@code Retry-After} and the rate-limit headers; the application is not
 *       called. A denial with code {@code unavailable} (Tally failing closed) answers {@code 503} the same way.</li>
 *   <li>When allowed, the rate-limit headers are set, the decision is put in the {@link #DECISION_ATTRIBUTE}
 *       request attribute, and the application runs. It may put what the call used in {@link #USAGE_ATTRIBUTE}
 *       (a {@code Map<String, Number>} such as {@code {"input_tokens": 500, "output_tokens": 200}}).</li>
 *   <li>Then an event is queued: a fresh id, the customer, start time, provider, model, endpoint, method, status
 *       (500 if the application threw), latency, usage, and the decision's reservation, which settles it. Events
 *       are sent asynchronously in batches by one background thread, with bounded retries; a full queue drops
 *       the event and counts it, so a request never waits on Tally.</li>
 * </ol>
 *
 * <p>Tally never fails a request that would otherwise succeed, except by design: if authorization fails (Tally
 * unreachable, timed out, or an error such as an unknown customer), the filter is {@linkplain Builder#failOpen()
 * fail-open} by default (the request goes ahead, unreserved, and its event is still recorded) or, if configured,
 * {@linkplain Builder#failClosed() fail-closed} ({@code 503} with {@code Retry-After}). Failures are logged through
 * {@link System.Logger}, at most once a minute per kind.
 *
 * <p>{@link #destroy()} (or {@link #close()}) sends the queued events, waiting at most the close timeout.
 */
public final class TallyFilter implements Filter, AutoCloseable {
    /** Request attribute where the application puts what the call used: a {@code Map<String, Number>}. */
    public static final String USAGE_ATTRIBUTE = "dev.tally.client.usage";
    /** Request attribute where the filter puts the {@link Decision} of an allowed call, for the application. */
    public static final String DECISION_ATTRIBUTE = "dev.tally.client.decision";

    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
    public static final int DEFAULT_BATCH_SIZE = 500;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** {@code Retry-After} of a fail-closed 503: long enough not to hammer a Tally that is down. */
    public static final long FAIL_CLOSED_RETRY_AFTER_SECONDS = 5;
    /** The server takes at most this many events per request. */
    public static final int MAX_BATCH_SIZE = 10_000;

    private static final Duration INITIAL_BACKOFF = Duration.ofMillis(500);
    private static final String PROBLEM_TYPE = "https://tally.dev/problems/";
    private static final String UNAVAILABLE_MESSAGE = "Usage limits cannot be checked right now. Please retry shortly.";
    private static final System.Logger LOG = System.getLogger(TallyFilter.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Function<HttpServletRequest, String> customer;
    private final Function<HttpServletRequest, String> provider;
    private final Function<HttpServletRequest, String> model;
    private final Function<HttpServletRequest, String> endpoint;
    private final Function<HttpServletRequest, ? extends Map<String, ? extends Number>> estimate;
    private final Duration reservationTtl;
    private final Authorizer authorizer;
    private final boolean failOpen;
    private final Duration closeTimeout;
    private final InstantSource clock;
    private final EventBatcher batcher;
    private final ThrottledLog authorizeWarnings = new ThrottledLog(LOG, Duration.ofMinutes(1));
    private final ThrottledLog recordWarnings = new ThrottledLog(LOG, Duration.ofMinutes(1));

    private TallyFilter(Builder b) {
        this.customer = b.customer;
        this.provider = b.provider;
        this.model = b.model;
        this.endpoint = b.endpoint;
        this.estimate = b.estimate;
        this.reservationTtl = b.reservationTtl;
        this.authorizer = b.authorizer;
        this.failOpen = b.failOpen;
        this.closeTimeout = b.closeTimeout;
        this.clock = b.clock;
        this.batcher = new EventBatcher(b.eventSink, b.queueCapacity, b.batchSize, b.flushInterval, b.maxAttempts,
                INITIAL_BACKOFF);
    }

    /** A builder; {@code customer}, and an authorizer and an event sink (or {@code remote}), are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void init(FilterConfig config) {
        // Configured by the builder; nothing to read from the container.
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse res)) {
            chain.doFilter(request, response);
            return;
        }
        String customerId = customer.apply(req);
        if (customerId == null) {
            chain.doFilter(request, response);
            return;
        }
        Instant startedAt = clock.instant();
        long startNanos = System.nanoTime();
        Call call = call(req, customerId);

        Decision decision = null;
        try {
            decision = authorizer.authorize(call);
        } catch (RuntimeException e) {
            authorizeWarnings.warn("Tally could not authorize a call of customer '" + customerId + "' to "
                    + call.endpoint() + "; " + (failOpen ? "letting it through (fail-open)"
                    : "answering 503 (fail-closed)") + ": " + e.getMessage(), e);
            if (!failOpen) {
                refuse(res, 503, "unavailable", UNAVAILABLE_MESSAGE, FAIL_CLOSED_RETRY_AFTER_SECONDS, null);
                return;
            }
        }
        if (decision != null && !decision.allowed()) {
            int status = "unavailable".equals(decision.code()) ? 503 : 429;
            refuse(res, status, decision.code(), decision.message(), decision.retryAfterSeconds(), decision);
            return;
        }
        if (decision != null) {
            decision.headers().forEach(res::setHeader);
            req.setAttribute(DECISION_ATTRIBUTE, decision);
        }

        String reservation = decision == null ? null : decision.reservation();
        boolean threw = true;
        try {
            chain.doFilter(request, response);
            threw = false;
        } finally {
            if (!threw && req.isAsyncStarted()) {
                req.getAsyncContext().addListener(new RecordOnComplete(req, call, reservation, startedAt,
                        startNanos));
            } else {
                record(req, threw ? 500 : res.getStatus(), call, reservation, startedAt, startNanos);
            }
        }
    }

    private Call call(HttpServletRequest req, String customerId) {
        Call call = Call.of(customerId).withProvider(provider.apply(req)).withModel(model.apply(req))
                .withEndpoint(endpoint.apply(req)).withTtl(reservationTtl);
        Map<String, ? extends Number> quantities = estimate.apply(req);
        return quantities == null ? call : call.withEstimate(quantities);
    }

    /** Answers a refused call: problem JSON and the decision's headers (or a {@code Retry-After} alone). */
    private static void refuse(HttpServletResponse res, int status, String code, String message,
                               long retryAfterSeconds, Decision decision) throws IOException {
        res.setStatus(status);
        if (decision != null) {
            decision.headers().forEach(res::setHeader);
        }
        if (res.getHeader("Retry-After") == null) {
            res.setHeader("Retry-After", Long.toString(retryAfterSeconds));
        }
        ObjectNode body = JSON.createObjectNode();
        String slug = code == null ? "unavailable" : code.replace('_', '-');
        body.put("type", PROBLEM_TYPE + slug);
        body.put("title", title(code));
        body.put("status", status);
        body.put("detail", message);
        body.put("code", code);
        body.put("retry_after_seconds", retryAfterSeconds);
        byte[] bytes = JSON.writeValueAsBytes(body);
        res.setContentType("application/problem+json");
        res.setCharacterEncoding(StandardCharsets.UTF_8.name());
        res.setContentLength(bytes.length);
        res.getOutputStream().write(bytes);
    }

    private static String title(String code) {
        if (code == null) {
            return "Service unavailable";
        }
        return switch (code) {
            case "rate_limited" -> "Too many requests";
            case "quota_exceeded" -> "Quota exceeded";
            case "budget_exceeded" -> "Budget exceeded";
            case "unavailable" -> "Service unavailable";
            default -> code.replace('_', ' ').toLowerCase(Locale.ROOT);
        };
    }

    /** Queues the call's event; a failure here is logged, never thrown into the request. */
    private void record(HttpServletRequest req, int status, Call call, String reservation, Instant startedAt,
                        long startNanos) {
        try {
            Event.Builder event = Event.builder(call.customer()).timestamp(startedAt).provider(call.provider())
                    .model(call.model()).endpoint(call.endpoint()).method(req.getMethod()).status(status)
                    .latencyMs(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos))
                    .reservation(reservation);
            Object usage = req.getAttribute(USAGE_ATTRIBUTE);
            if (usage instanceof Map<?, ?> map) {
                map.forEach((metric, quantity) -> event.usage((String) metric, (Number) quantity));
            } else if (usage != null) {
                throw new IllegalArgumentException("request attribute " + USAGE_ATTRIBUTE
                        + " must be a Map<String, Number>, was a " + usage.getClass().getName());
            }
            batcher.offer(event.build());
        } catch (RuntimeException e) {
            recordWarnings.warn("Could not record a call of customer '" + call.customer() + "' to "
                    + call.endpoint() + ": " + e, e);
        }
    }

    /** What happened to the recorded events so far. */
    public Stats stats() {
        return new Stats(batcher.sent(), batcher.rejected(), batcher.dropped(), batcher.pending());
    }

    /**
     * Counts of the filter's events.
     *
     * @param sent     acknowledged by Tally (accepted, or duplicates of events already stored)
     * @param rejected refused by Tally, each for a reason it named (logged)
     * @param dropped  never delivered: the queue was full, retries were used up, or they were left at close
     * @param pending  waiting in the queue
     */
    public record Stats(long sent, long rejected, long dropped, int pending) {
    }

    @Override
    public void destroy() {
        close();
    }

    /** Stops recording and sends the queued events, waiting at most the close timeout. Idempotent. */
    @Override
    public void close() {
        batcher.close(closeTimeout);
    }

    /** Records an asynchronous request once it completes, with the status it completed with. */
    private final class RecordOnComplete implements AsyncListener {
        private final HttpServletRequest req;
        private final Call call;
        private final String reservation;
        private final Instant startedAt;
        private final long startNanos;
        private volatile boolean failed;

        RecordOnComplete(HttpServletRequest req, Call call, String reservation, Instant startedAt, long startNanos) {
            this.req = req;
            this.call = call;
            this.reservation = reservation;
            this.startedAt = startedAt;
            this.startNanos = startNanos;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            int status = ((HttpServletResponse) event.getAsyncContext().getResponse()).getStatus();
            record(req, failed && status < 500 ? 500 : status, call, reservation, startedAt, startNanos);
        }

        @Override
        public void onError(AsyncEvent event) {
            failed = true;
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            failed = true;
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }

    /** Builds a {@link TallyFilter}. */
    public static final class Builder {
        private Function<HttpServletRequest, String> customer;
        private Function<HttpServletRequest, String> provider = r -> null;
        private Function<HttpServletRequest, String> model = r -> null;
        private Function<HttpServletRequest, String> endpoint = HttpServletRequest::getRequestURI;
        private Function<HttpServletRequest, ? extends Map<String, ? extends Number>> estimate = r -> null;
        private Duration reservationTtl;
        private Authorizer authorizer;
        private EventSink eventSink;
        private boolean failOpen = true;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private InstantSource clock = InstantSource.system();

        private Builder() {
        }

        /** The clock that timestamps recorded events; the system clock unless a test injects one. */
        public Builder clock(InstantSource value) {
            clock = java.util.Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Names the customer of a request, e.g. from an API-key header; null means "not metered". Required. */
        public Builder customer(Function<HttpServletRequest, String> resolver) {
            this.customer = Objects.requireNonNull(resolver, "customer");
            return this;
        }

        /** Names the upstream provider of a request (selects provider limits); default none. */
        public Builder provider(Function<HttpServletRequest, String> resolver) {
            this.provider = Objects.requireNonNull(resolver, "provider");
            return this;
        }

        /** Names the upstream model of a request; default none. */
        public Builder model(Function<HttpServletRequest, String> resolver) {
            this.model = Objects.requireNonNull(resolver, "model");
            return this;
        }

        /**
         * Names the endpoint of a request; default the request URI. Map paths with ids ({@code /users/42}) to a
         * route ({@code /users/{id}}) so that endpoints stay few.
         */
        public Builder endpoint(Function<HttpServletRequest, String> resolver) {
            this.endpoint = Objects.requireNonNull(resolver, "endpoint");
            return this;
        }

        /**
         * Estimates what a request will use, by metric (e.g. {@code {"tokens": 1500}}; a {@code cost} entry is USD);
         * reserved until the event settles it. Default: the request alone; null from the function means the same.
         */
        public Builder estimate(Function<HttpServletRequest, ? extends Map<String, ? extends Number>> estimator) {
            this.estimate = Objects.requireNonNull(estimator, "estimate");
            return this;
        }

        /** How long a reservation holds if its event never arrives; default the server's (5 minutes). */
        public Builder reservationTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "reservationTtl");
            if (ttl.toSeconds() < 1 || ttl.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("reservationTtl must be 1 s to 1 day, was " + ttl);
            }
            this.reservationTtl = ttl;
            return this;
        }

        /** Who decides whether a call may go ahead. Required (or {@link #remote}). */
        public Builder authorizer(Authorizer value) {
            this.authorizer = Objects.requireNonNull(value, "authorizer");
            return this;
        }

        /** Where events are recorded. Required (or {@link #remote}). */
        public Builder eventSink(EventSink value) {
            this.eventSink = Objects.requireNonNull(value, "eventSink");
            return this;
        }

        /** Authorizes and records through a Tally server: {@link RemoteAuthorizer} and {@link RemoteEventSink}. */
        public Builder remote(TallyClient client) {
            return authorizer(new RemoteAuthorizer(client)).eventSink(new RemoteEventSink(client));
        }

        /** If authorization fails, let the request through (the default). */
        public Builder failOpen() {
            this.failOpen = true;
            return this;
        }

        /** If authorization fails, answer {@code 503} with {@code Retry-After}. */
        public Builder failClosed() {
            this.failOpen = false;
            return this;
        }

        /** Events that may wait to be sent; more are dropped. Default {@value TallyFilter#DEFAULT_QUEUE_CAPACITY}. */
        public Builder queueCapacity(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("queueCapacity must be >= 1, was " + value);
            }
            this.queueCapacity = value;
            return this;
        }

        /** The most events sent in one request. Default {@value TallyFilter#DEFAULT_BATCH_SIZE}. */
        public Builder batchSize(int value) {
            if (value < 1 || value > MAX_BATCH_SIZE) {
                throw new IllegalArgumentException("batchSize must be 1 to " + MAX_BATCH_SIZE + ", was " + value);
            }
            this.batchSize = value;
            return this;
        }

        /** The longest an event waits for its batch to fill. Default 1 second. */
        public Builder flushInterval(Duration value) {
            Objects.requireNonNull(value, "flushInterval");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("flushInterval must be positive, was " + value);
            }
            this.flushInterval = value;
            return this;
        }

        /** How many times a batch is sent before it is dropped. Default {@value TallyFilter#DEFAULT_MAX_ATTEMPTS}. */
        public Builder maxAttempts(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1, was " + value);
            }
            this.maxAttempts = value;
            return this;
        }

        /** How long {@link TallyFilter#close()} may take to send the queued events. Default 5 seconds. */
        public Builder closeTimeout(Duration value) {
            Objects.requireNonNull(value, "closeTimeout");
            if (value.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must be >= 0, was " + value);
            }
            this.closeTimeout = value;
            return this;
        }

        /** The filter; starts its background recording thread. */
        public TallyFilter build() {
            if (customer == null) {
                throw new IllegalStateException("customer resolver was not set");
            }
            if (authorizer == null) {
                throw new IllegalStateException("authorizer was not set (use authorizer(...) or remote(client))");
            }
            if (eventSink == null) {
                throw new IllegalStateException("eventSink was not set (use eventSink(...) or remote(client))");
            }
            return new TallyFilter(this);
        }
    }
}
