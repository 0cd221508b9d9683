package dev.tally.server.config;

import dev.tally.core.limit.FailurePolicy;
import dev.tally.server.notify.WebhookTargets;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the server is started with. Sources, later ones winning: the defaults below, environment variables
 * ({@code TALLY_*}), the {@code server:} section of {@code tally.yaml}, command-line flags.
 *
 * @param host           interface to listen on
 * @param port           HTTP port; 0 picks a free one
 * @param dataDir        where the embedded store lives ({@code tally.db})
 * @param databaseUrl    a JDBC URL; a {@code jdbc:postgresql:} URL switches to PostgreSQL; null for the embedded file
 * @param redisUrl       shared counters for several nodes; null for in-process counters
 * @param redisPrefix    begins every Redis key, so several installations can share one Redis
 * @param adminKey       the admin key; null to use the stored one, or generate one on first start
 * @param configFile     the declarative {@code tally.yaml}; null if none
 * @param retention      how long raw events are kept (monthly summaries and day rollups are kept forever)
 * @param maxBodyBytes   the largest request body accepted (413 beyond)
 * @param writerLinger   how long the group-commit writer waits to fill a batch
 * @param writerMaxBatch the most events in one commit
 * @param failurePolicy  what authorization does when the counters cannot answer
 * @param httpThreads    the most threads of the HTTP server's pool when it runs on platform threads (JDK 17-20);
 *                       0 for {@link #defaultHttpThreads}; not used on virtual threads (JDK 21+)
 * @param webhookTargets which addresses webhooks may reach: public ones, and the internal ones an operator allowed
 *                       ({@value WebhookTargets#ALLOW_VARIABLE}, {@code server.webhook_allow_internal})
 * @param bodyTimeout    how long a client may take to send a request's body once its headers are in (408 beyond)
 * @param rollupInterval on PostgreSQL, how often a node's roller adds the queued events to the rollup tables (one
 *                       pass at a time across the nodes); not used on SQLite
 * @param defaultPrices  whether a store without any price gets Tally's default catalog before {@code tally.yaml} is
 *                       seeded ({@code tally serve} sets it; embedded and test servers start with none)
 */
public record ServerConfig(String host, int port, Path dataDir, String databaseUrl, String redisUrl,
                           String redisPrefix, String adminKey, Path configFile, Duration retention,
                           long maxBodyBytes, Duration writerLinger, int writerMaxBatch, FailurePolicy failurePolicy,
                           int httpThreads, WebhookTargets webhookTargets, Duration bodyTimeout,
                           Duration rollupInterval, boolean defaultPrices) {
    public static final int DEFAULT_PORT = 8080;
    /**
     * Only this machine unless {@code TALLY_HOST} says otherwise: a personal server, or one whose admin key was just
     * generated, is not open to the network by default (issue 15.7). Servers behind a load balancer set
     * {@code TALLY_HOST=0.0.0.0}.
     */
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final Path DEFAULT_DATA_DIR = Path.of("data");
    /** The Redis key prefix unless configured: one installation per Redis needs no other. */
    public static final String DEFAULT_REDIS_PREFIX = "tally:";
    /** Raw events are kept 90 days unless configured otherwise. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(90);
    /**
     * Raw events must outlive the 35-day acceptance window, because their ids are what makes a resent event a
     * duplicate.
     */
    public static final Duration MIN_RETENTION = Duration.ofDays(36);
    public static final long DEFAULT_MAX_BODY_BYTES = 16L * 1024 * 1024;
    /**
     * Time to send a whole body: 16 MiB (the default largest body) at about 1 MiB/s. Bodies are read before a request
     * takes a thread, so a slow client holds only its socket and buffer until then.
     */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The roller's pass interval on PostgreSQL unless configured. Longer sums more appends into one upsert per rollup
     * row (less database work per event); shorter keeps the queue that reads add up small (see docs/operations.md).
     */
    public static final Duration DEFAULT_ROLLUP_INTERVAL = Duration.ofSeconds(5);
    /** The shortest roll interval: below it a pass sums hardly more than one append. */
    public static final Duration MIN_ROLLUP_INTERVAL = Duration.ofMillis(100);
    /** The longest roll interval: reads add every queued event, so the queue must stay short. */
    public static final Duration MAX_ROLLUP_INTERVAL = Duration.ofMinutes(5);
    /**
     * The smallest HTTP pool: Jetty takes an acceptor and a selector thread from it (more on many cores, and it
     * refuses to start when too few are left), and at least two should remain for requests.
     */
    public static final int MIN_HTTP_THREADS = 4;
    /**
     * Threads of the HTTP pool per core, beyond Jetty's own: requests never wait long on a pool thread (ingestion
     * answers from the commit asynchronously), so many more threads than cores only add lock-holder preemption
     * among the request threads. Measured on 2 cores, JDK 17, authorization over 32 connections: 6 threads in all
     * gave the most answers with the shortest tails; 4 stalled (p99 30 ms), 8 to 16 cost 1.5-3x the CPU per
     * request. Larger machines follow the same rule unmeasured.
     */
    static final int HTTP_THREADS_PER_CORE = 2;
    /** Jetty's acceptor and selector threads on a small machine, which the pool must hold beside request threads. */
    static final int JETTY_OWN_THREADS = 2;

    public ServerConfig {
        redisPrefix = redisPrefix == null ? DEFAULT_REDIS_PREFIX : redisPrefix;
        if (redisPrefix.indexOf('{') >= 0 || redisPrefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("TALLY_REDIS_PREFIX must not contain braces, was \"" + redisPrefix
                    + "\"");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0-65535, was " + port);
        }
        if (retention.compareTo(MIN_RETENTION) < 0) {
            throw new IllegalArgumentException("retention must be at least " + MIN_RETENTION.toDays()
                    + " days (raw events carry the ids that catch resent events), was " + retention.toDays());
        }
        if (writerMaxBatch < 1) {
            throw new IllegalArgumentException("TALLY_WRITER_MAX_BATCH must be at least 1, was " + writerMaxBatch);
        }
        if (writerLinger.isNegative()) {
            throw new IllegalArgumentException("TALLY_WRITER_LINGER_MS must be at least 0, was "
                    + writerLinger.toMillis());
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("max body size must be at least 1024 bytes, was " + maxBodyBytes);
        }
        Objects.requireNonNull(webhookTargets, "webhookTargets");
        if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new IllegalArgumentException("body timeout must be positive, was " + bodyTimeout);
        }
        Objects.requireNonNull(rollupInterval, "rollupInterval");
        if (rollupInterval.compareTo(MIN_ROLLUP_INTERVAL) < 0 || rollupInterval.compareTo(MAX_ROLLUP_INTERVAL) > 0) {
            throw new IllegalArgumentException("rollup interval must be " + MIN_ROLLUP_INTERVAL.toMillis() + " to "
                    + MAX_ROLLUP_INTERVAL.toMillis() + " ms, was " + rollupInterval.toMillis());
        }
        if (httpThreads != 0 && httpThreads < MIN_HTTP_THREADS) {
            throw new IllegalArgumentException("HTTP threads must be 0 (derived from the cores) or at least "
                    + MIN_HTTP_THREADS + ", was " + httpThreads);
        }
    }

    /**
     * The size of the HTTP pool on platform threads when none is configured: {@value #HTTP_THREADS_PER_CORE} per
     * core plus Jetty's own {@value #JETTY_OWN_THREADS}, at least {@value #MIN_HTTP_THREADS}.
     */
    public static int defaultHttpThreads(int cores) {
        return Math.max(MIN_HTTP_THREADS, HTTP_THREADS_PER_CORE * cores + JETTY_OWN_THREADS);
    }

    /** The HTTP pool size to use: the configured one, else {@link #defaultHttpThreads} of this machine's cores. */
    public int effectiveHttpThreads() {
        return httpThreads != 0 ? httpThreads : defaultHttpThreads(Runtime.getRuntime().availableProcessors());
    }

    /**
     * The defaults, overridden by the {@code TALLY_*} variables of {@code env}. An empty or blank variable counts as
     * unset, as docs/configuration.md says: {@code TALLY_CONFIG=} in a shell or a compose file means "no file", not
     * the working directory read as YAML.
     */
    public static ServerConfig fromEnvironment(Map<String, String> env) {
        String configFile = blankToNull(env.get("TALLY_CONFIG"));
        Path config = configFile != null ? Path.of(configFile)
                : java.nio.file.Files.exists(Path.of("tally.yaml")) ? Path.of("tally.yaml") : null;
        String host = blankToNull(env.get("TALLY_HOST"));
        String dataDir = blankToNull(env.get("TALLY_DATA_DIR"));
        return new ServerConfig(
                host != null ? host.trim() : DEFAULT_HOST,
                intVar(env, "TALLY_PORT", DEFAULT_PORT),
                dataDir != null ? Path.of(dataDir) : DEFAULT_DATA_DIR,
                blankToNull(env.get("TALLY_DATABASE_URL")),
                blankToNull(env.get("TALLY_REDIS_URL")),
                blankToNull(env.get("TALLY_REDIS_PREFIX")),
                blankToNull(env.get("TALLY_ADMIN_KEY")),
                config,
                Duration.ofDays(intVar(env, "TALLY_RETENTION_DAYS", (int) DEFAULT_RETENTION.toDays())),
                longVar(env, "TALLY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
                Duration.ofMillis(intVar(env, "TALLY_WRITER_LINGER_MS", 0)),
                intVar(env, "TALLY_WRITER_MAX_BATCH", 5_000),
                failurePolicy(env.get("TALLY_FAILURE_POLICY")),
                intVar(env, "TALLY_HTTP_THREADS", 0),
                webhookTargets(env.get(WebhookTargets.ALLOW_VARIABLE)),
                Duration.ofSeconds(longVar(env, "TALLY_BODY_TIMEOUT_SECONDS", DEFAULT_BODY_TIMEOUT.toSeconds())),
                Duration.ofMillis(longVar(env, "TALLY_ROLLUP_INTERVAL_MS", DEFAULT_ROLLUP_INTERVAL.toMillis())),
                false);
    }

    /** A builder holding this configuration's values, to change some of them. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Changes some values of a configuration; {@link #build()} checks the result. */
    public static final class Builder {
        private String host;
        private int port;
        private Path dataDir;
        private String databaseUrl;
        private String redisUrl;
        private String redisPrefix;
        private String adminKey;
        private Path configFile;
        private Duration retention;
        private long maxBodyBytes;
        private Duration writerLinger;
        private int writerMaxBatch;
        private FailurePolicy failurePolicy;
        private int httpThreads;
        private WebhookTargets webhookTargets;
        private Duration bodyTimeout;
        private Duration rollupInterval;
        private boolean defaultPrices;

        private Builder(ServerConfig c) {
            host = c.host;
            port = c.port;
            dataDir = c.dataDir;
            databaseUrl = c.databaseUrl;
            redisUrl = c.redisUrl;
            redisPrefix = c.redisPrefix;
            adminKey = c.adminKey;
            configFile = c.configFile;
            retention = c.retention;
            maxBodyBytes = c.maxBodyBytes;
            writerLinger = c.writerLinger;
            writerMaxBatch = c.writerMaxBatch;
            failurePolicy = c.failurePolicy;
            httpThreads = c.httpThreads;
            webhookTargets = c.webhookTargets;
            bodyTimeout = c.bodyTimeout;
            rollupInterval = c.rollupInterval;
            defaultPrices = c.defaultPrices;
        }

        public Builder host(String value) { host = value; return this; }
        public Builder port(int value) { port = value; return this; }
        public Builder dataDir(Path value) { dataDir = value; return this; }
        public Builder databaseUrl(String value) { databaseUrl = value; return this; }
        public Builder redisUrl(String value) { redisUrl = value; return this; }
        public Builder redisPrefix(String value) { redisPrefix = value; return this; }
        public Builder adminKey(String value) { adminKey = value; return this; }
        public Builder configFile(Path value) { configFile = value; return this; }
        public Builder retention(Duration value) { retention = value; return this; }
        public Builder maxBodyBytes(long value) { maxBodyBytes = value; return this; }
        public Builder failurePolicy(FailurePolicy value) { failurePolicy = value; return this; }
        public Builder httpThreads(int value) { httpThreads = value; return this; }
        public Builder webhookTargets(WebhookTargets value) { webhookTargets = value; return this; }
        public Builder bodyTimeout(Duration value) { bodyTimeout = value; return this; }
        public Builder rollupInterval(Duration value) { rollupInterval = value; return this; }
        public Builder defaultPrices(boolean value) { defaultPrices = value; return this; }

        public ServerConfig build() {
            return new ServerConfig(host, port, dataDir, databaseUrl, redisUrl, redisPrefix, adminKey, configFile,
                    retention, maxBodyBytes, writerLinger, writerMaxBatch, failurePolicy, httpThreads, webhookTargets,
                    bodyTimeout, rollupInterval, defaultPrices);
        }
    }

    private static FailurePolicy failurePolicy(String value) {
        if (blankToNull(value) == null) {
            return FailurePolicy.FAIL_OPEN;
        }
        FailurePolicy policy = FailurePolicy.fromWireName(value.trim());
        if (policy == null) {
            throw new IllegalArgumentException("TALLY_FAILURE_POLICY must be fail_open or fail_closed, was \""
                    + value + "\"");
        }
        return policy;
    }

    private static WebhookTargets webhookTargets(String value) {
        try {
            return WebhookTargets.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(WebhookTargets.ALLOW_VARIABLE + " " + e.getMessage(), e);
        }
    }

    private static int intVar(Map<String, String> env, String name, int defaultValue) {
        long value = longVar(env, name, defaultValue);
        // A plain cast would wrap: TALLY_PORT=4294975376 would quietly become 8080.
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be at most " + Integer.MAX_VALUE + ", was " + value);
        }
        return (int) value;
    }

    private static long longVar(Map<String, String> env, String name, long defaultValue) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was \"" + value + "\"");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
