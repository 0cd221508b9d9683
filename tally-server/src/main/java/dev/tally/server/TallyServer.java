package dev.tally.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.alert.AlertEngine;
import dev.tally.core.alert.AlertService;
import dev.tally.core.alert.AlertSettings;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.enforce.CounterRebuild;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.enforce.InMemoryCounterStore;
import dev.tally.core.enforce.ReservationIds;
import dev.tally.core.ingest.EventWriter;
import dev.tally.core.ingest.IngestPolicy;
import dev.tally.core.ingest.IngestService;
import dev.tally.core.ingest.WriterSettings;
import dev.tally.core.retention.RetentionJob;
import dev.tally.core.store.TallyStore;
import dev.tally.core.usage.UsageReporter;
import dev.tally.server.config.ConfigFile;
import dev.tally.server.config.ServerConfig;
import dev.tally.server.http.Access;
import dev.tally.server.http.AlertRoutes;
import dev.tally.server.http.Authenticator;
import dev.tally.server.http.CatalogRoutes;
import dev.tally.server.http.EnforcementRoutes;
import dev.tally.server.http.EventRoutes;
import dev.tally.server.http.KeyHashing;
import dev.tally.server.http.KeyRoutes;
import dev.tally.server.http.NotificationRoutes;
import dev.tally.server.http.OpsRoutes;
import dev.tally.server.http.ProblemMapper;
import dev.tally.server.http.Requests;
import dev.tally.server.http.Sessions;
import dev.tally.server.http.UsageRoutes;
import dev.tally.server.json.AlertJson;
import dev.tally.server.json.CatalogJson;
import dev.tally.server.json.Json;
import dev.tally.server.json.NotificationJson;
import dev.tally.server.metrics.ServerMetrics;
import dev.tally.server.notify.Notifications;
import dev.tally.server.notify.SmtpSettings;
import dev.tally.server.web.ConsoleRoutes;
import dev.tally.store.Stores;
import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.javalin.util.ConcurrencyUtil;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;

/**
 * A running Tally server: the hand-written wiring of store, catalog, writer, services and HTTP routes, and their
 * orderly shutdown (stop taking requests, commit what the writer holds, close the store).
 */
public final class TallyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TallyServer.class);
    /** Setting holding the hex secret that signs reservation ids. */
    private static final String RESERVATION_SECRET_SETTING = "reservation_secret";
    /** Setting holding the hex secret that signs the console's session cookies (shared by every node). */
    private static final String SESSION_SECRET_SETTING = "session_secret";
    /** How long an idle thread of the platform HTTP pool lives above the pool's minimum (which is its maximum). */
    private static final int HTTP_IDLE_THREAD_MILLIS = 60_000;

    private final TallyStore store;
    private final EventWriter writer;
    private final Javalin app;
    private final ScheduledExecutorService background;
    private final Catalog catalog;
    private final IngestService ingest;
    private final String generatedAdminKey;
    private final List<String> routes;
    private final Enforcer enforcer;
    private final Notifications notifications;
    private final AlertEngine alerts;
    private final ServerMetrics metrics;

    private TallyServer(TallyStore store, EventWriter writer, Javalin app, ScheduledExecutorService background,
                        Catalog catalog, IngestService ingest, String generatedAdminKey, List<String> routes,
                        Enforcer enforcer, Notifications notifications, AlertEngine alerts, ServerMetrics metrics) {
        this.metrics = metrics;
        this.notifications = notifications;
        this.alerts = alerts;
        this.routes = routes;
        this.enforcer = enforcer;
        this.store = store;
        this.writer = writer;
        this.app = app;
        this.background = background;
        this.catalog = catalog;
        this.ingest = ingest;
        this.generatedAdminKey = generatedAdminKey;
    }

    /** Opens the store, seeds {@code tally.yaml}, and starts listening. */
    public static TallyServer start(ServerConfig config, InstantSource clock) {
        return start(config, clock, UnaryOperator.identity());
    }

    /**
     * Like {@link #start(ServerConfig, InstantSource)}, with {@code overrides} (command-line flags) applied after
     * the {@code server:} section of {@code tally.yaml}.
     */
    public static TallyServer start(ServerConfig config, InstantSource clock, UnaryOperator<ServerConfig> overrides) {
        ConfigFile file = config.configFile() == null ? null : ConfigFile.read(config.configFile());
        ServerConfig effective = overrides.apply(file == null ? config : file.applyServerSection(config));
        TallyStore store = effective.databaseUrl() == null ? Stores.sqliteFile(effective.dataDir(), clock)
                : Stores.open(effective.databaseUrl(), clock);
        try {
            return start(effective, file, store, clock);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * Like {@link #start(ServerConfig, InstantSource)}, on a store the caller opened (tests wrap a real store to hold
     * or fail its commits); the config's database URL and data directory are not used. The server closes the store
     * on {@link #close}, and at once if it fails to start.
     */
    public static TallyServer start(ServerConfig config, InstantSource clock, TallyStore store) {
        try {
            ConfigFile file = config.configFile() == null ? null : ConfigFile.read(config.configFile());
            return start(file == null ? config : file.applyServerSection(config), file, store, clock);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static TallyServer start(ServerConfig config, ConfigFile file, TallyStore store, InstantSource clock) {
        ObjectMapper json = Json.mapper();
        Catalog catalog = new Catalog(store);
        if (file != null) {
            file.seed(catalog, new CatalogJson(json), clock.instant());
        }
        NotificationJson notificationJson = new NotificationJson(json);
        SmtpSettings smtp = file == null ? null : file.smtp(System.getenv());
        if (file != null) {
            file.seedChannels(store, notificationJson, smtp != null).forEach((id, secret) -> LOG.warn(
                    "Generated the signing secret of webhook channel {}: {} (shown once; put it in tally.yaml to "
                            + "keep it fixed)", id, secret));
        }
        if (config.redisUrl() != null) {
            LOG.warn("TALLY_REDIS_URL is set, but this version keeps counters in-process; it is ignored");
        }
        ServerMetrics metrics = ServerMetrics.start(store);
        EventWriter writer = new EventWriter(store,
                new WriterSettings(config.writerMaxBatch(), config.writerLinger(), 10_000), metrics.writerBatches());
        metrics.bindWriter(writer);
        UsageReporter reporter = new UsageReporter(store, catalog, clock);
        // Fired alerts go to the notification outbox (webhooks, e-mail), which delivers them in the background.
        Notifications notifications = Notifications.start(store, catalog, notificationJson, smtp, json,
                metrics.registry(), clock);
        AlertEngine alerts = new AlertEngine(store, store, catalog, reporter, clock,
                file == null ? AlertSettings.DEFAULTS : file.alertSettings(), metrics.countingAlerts(notifications.notifier()),
                e -> LOG.warn("Alert evaluation failed; it will be tried again", e));
        // A changed plan or customer may have raised a limit: re-check open alerts soon, not only at the next sweep.
        catalog.onChange(alerts::sweepLater);
        Enforcer enforcer = enforcer(config, store, catalog, clock, alerts, metrics);
        IngestService ingest = new IngestService(catalog, writer, clock, IngestPolicy.DEFAULTS, enforcer,
                metrics.ingest());

        String[] generated = new String[1];
        byte[] adminKeyHash = adminKeyHash(config, store, generated);
        Sessions sessions = new Sessions(secret(store, SESSION_SECRET_SETTING), adminKeyHash, clock);
        Authenticator auth = new Authenticator(adminKeyHash, store, clock, sessions);
        Access access = new Access(auth);
        Requests requests = new Requests(json);
        ProblemMapper problems = new ProblemMapper(json);

        List<String> routes = new ArrayList<>();
        boolean virtualThreads = Runtime.version().feature() >= 21;
        ThreadPool httpPool = httpPool(config, virtualThreads);
        Javalin app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.events.handlerAdded(h -> routes.add(h.getHttpMethod() + " " + h.getPath()));
            cfg.jetty.host = config.host();
            cfg.jetty.port = config.port();
            cfg.jetty.threadPool = httpPool;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            cfg.http.prefer405over404 = true;
            cfg.concurrency.useVirtualThreads = virtualThreads;
            cfg.jsonMapper(new JavalinJackson(json, false));
            cfg.requestLogger.http(metrics.httpRequests());
            problems.register(cfg.routes);
            // The console's scripts and styles, and the chart library from its webjar; public, they hold no data.
            cfg.staticFiles.add(files -> {
                files.hostedPath = "/assets";
                files.directory = "/web/assets";
                files.location = Location.CLASSPATH;
            });
            cfg.staticFiles.enableWebjars();
            new ConsoleRoutes(auth, sessions, json).register(cfg.routes);
            new OpsRoutes(store, metrics.registry(), json).register(cfg.routes);
            new CatalogRoutes(catalog, auth, requests, json, clock).register(cfg.routes);
            // The HTTP pool also runs what follows a commit (answering POST /v1/events), off the writer's thread.
            new EventRoutes(ingest, access, requests, json, clock, httpPool).register(cfg.routes);
            new UsageRoutes(reporter, store, catalog, access, json, virtualThreads ? null : readPool())
                    .register(cfg.routes);
            new EnforcementRoutes(enforcer, access, requests, json, clock).register(cfg.routes);
            new AlertRoutes(new AlertService(store, alerts, clock), auth, access, new AlertJson(json))
                    .register(cfg.routes);
            new NotificationRoutes(store, notifications, notificationJson, access, requests, json)
                    .register(cfg.routes);
            new KeyRoutes(auth, access, requests, json).register(cfg.routes);
        });
        ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tally-retention");
            t.setDaemon(true);
            return t;
        });
        RetentionJob retention = new RetentionJob(store, clock, config.retention());
        background.scheduleWithFixedDelay(() -> runRetention(retention), 1, 60, TimeUnit.MINUTES);
        // Self-resolution of alerts: new periods, raised limits, changed catalog (see AlertEngine).
        background.scheduleWithFixedDelay(alerts::sweepLater, 1, 1, TimeUnit.MINUTES);
        try {
            app.start();
        } catch (RuntimeException e) {
            writer.close();
            alerts.close();
            notifications.close();
            background.shutdownNow();
            metrics.close();
            throw e;
        }
        LOG.info("Tally listening on http://{}:{} (store: {})", config.host(), app.port(), store.backend());
        return new TallyServer(store, writer, app, background, catalog, ingest, generated[0], List.copyOf(routes),
                enforcer, notifications, alerts, metrics);
    }

    /**
     * On platform threads, the threads that run usage reads, which take milliseconds of database work each. They
     * queue here first come, first served: run on the small HTTP pool itself, eight concurrent month reports at 10
     * million events had a p99 of 155 ms against a p50 of 13 ms (the pool's threads were also its selectors), and on a
     * pool of 32 threads the CPU went to switching between them (p50 27 ms). Two per core: reads are mostly CPU.
     * Idle threads end after a minute, so nothing needs shutting down.
     */
    private static Executor readPool() {
        int threads = 2 * Runtime.getRuntime().availableProcessors();
        AtomicInteger next = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "tally-read-" + next.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * The HTTP server's threads. On virtual threads (JDK 21+), Javalin's own pool: a virtual thread per task. On
     * platform threads, a pool of {@link ServerConfig#effectiveHttpThreads} threads (Jetty's acceptor and selector
     * included), not Javalin's default of up to 250: no request waits long on a pool thread (ingestion answers from
     * the commit asynchronously), and with ~32 runnable request threads on a few cores a thread preempted while it
     * holds a customer's counter lock stalls the others (lock-holder preemption), which costs authorization 3x its
     * CPU (docs/benchmarks.md).
     */
    private static ThreadPool httpPool(ServerConfig config, boolean virtualThreads) {
        if (virtualThreads) {
            return ConcurrencyUtil.jettyThreadPool("JettyServerThreadPool", 8, 250, true);
        }
        int threads = config.effectiveHttpThreads();
        QueuedThreadPool pool = new QueuedThreadPool(threads, threads, HTTP_IDLE_THREAD_MILLIS);
        pool.setName("tally-http");
        LOG.info("HTTP on {} platform threads (TALLY_HTTP_THREADS; virtual threads need Java 21+)", threads);
        return pool;
    }

    /**
     * The enforcer with in-process counters rebuilt from the store's rollups, before the first call is decided, and
     * the secret that signs reservation ids (kept in the store, so ids stay valid across restarts).
     */
    private static Enforcer enforcer(ServerConfig config, TallyStore store, Catalog catalog, InstantSource clock,
                                     AlertEngine alerts, ServerMetrics metrics) {
        byte[] secret = secret(store, RESERVATION_SECRET_SETTING);
        InMemoryCounterStore counters = new InMemoryCounterStore();
        int seeds = CounterRebuild.rebuild(counters, store, catalog, clock.instant());
        LOG.info("Enforcement counters rebuilt from {} rollup rows (failure policy: {})", seeds,
                config.failurePolicy());
        return new Enforcer(catalog, counters, new ReservationIds(secret), clock, config.failurePolicy(),
                e -> LOG.warn("Enforcement counters failed; applying {}", config.failurePolicy(), e), alerts,
                metrics.decisions());
    }

    /** A random secret kept (hex) in the store's settings, created on first use, so every node shares it. */
    private static byte[] secret(TallyStore store, String setting) {
        return store.setting(setting).map(hex -> HexFormat.of().parseHex(hex))
                .orElseGet(() -> {
                    byte[] fresh = ReservationIds.newSecret();
                    store.putSetting(setting, HexFormat.of().formatHex(fresh));
                    return fresh;
                });
    }

    private static void runRetention(RetentionJob job) {
        try {
            RetentionJob.Result r = job.runOnce();
            if (r.events() + r.minuteRollups() + r.hourRollups() > 0) {
                LOG.info("Retention removed {} raw events, {} minute and {} hour rollups", r.events(),
                        r.minuteRollups(), r.hourRollups());
            }
        } catch (RuntimeException e) {
            LOG.warn("Retention pass failed; it will run again", e);
        }
    }

    /**
     * The SHA-256 of the admin key: of the configured key; else the stored hash; else of a newly generated key,
     * which is stored hashed and handed back through {@code generated} to be shown once.
     */
    private static byte[] adminKeyHash(ServerConfig config, TallyStore store, String[] generated) {
        if (config.adminKey() != null) {
            return KeyHashing.sha256(config.adminKey());
        }
        return store.setting(Authenticator.ADMIN_KEY_SETTING)
                .map(hex -> HexFormat.of().parseHex(hex))
                .orElseGet(() -> {
                    String key = "ta_" + KeyHashing.randomToken(32);
                    store.putSetting(Authenticator.ADMIN_KEY_SETTING, KeyHashing.sha256Hex(key));
                    generated[0] = key;
                    return KeyHashing.sha256(key);
                });
    }

    /** Every route the server answers, as {@code "METHOD /path/{param}"}, for checks against the OpenAPI document. */
    public List<String> routes() {
        return routes;
    }

    /** The port the server listens on (useful when started on port 0). */
    public int port() {
        return app.port();
    }

    /** The admin key generated at this start, or null if one was configured or already stored. */
    public String generatedAdminKey() {
        return generatedAdminKey;
    }

    public Catalog catalog() {
        return catalog;
    }

    public IngestService ingest() {
        return ingest;
    }

    public TallyStore store() {
        return store;
    }

    public Enforcer enforcer() {
        return enforcer;
    }

    /** Notifications: the listener for fired alerts ({@code notifications().notifier()}) and the dispatcher. */
    public Notifications notifications() {
        return notifications;
    }

    /** The alert engine: tests {@link AlertEngine#drain drain} and {@link AlertEngine#sweep sweep} it. */
    public AlertEngine alerts() {
        return alerts;
    }

    /** Stops taking requests, lets in-flight ones finish, commits what the writer holds, and closes the store. */
    @Override
    public void close() {
        LOG.info("Tally shutting down: draining requests and the writer");
        background.shutdownNow();
        app.stop();
        writer.close();
        // The alert engine stores what it still holds and hands it to the outbox before the dispatcher stops.
        alerts.close();
        notifications.close();
        store.close();
        metrics.close();
        LOG.info("Tally stopped");
    }
}
