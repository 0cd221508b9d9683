package dev.tally.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.alert.AlertEngine;
import dev.tally.core.alert.AlertListener;
import dev.tally.core.alert.AlertService;
import dev.tally.core.alert.AlertSettings;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.cluster.ConfigChanges;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.enforce.CounterRebuild;
import dev.tally.core.enforce.EndUserLimitStates;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.reservation.ReservationIds;
import dev.tally.core.ingest.EventWriter;
import dev.tally.core.ingest.IngestPolicy;
import dev.tally.core.ingest.IngestService;
import dev.tally.core.ingest.WriterSettings;
import dev.tally.core.retention.RetentionJob;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.metric.Metrics;
import dev.tally.core.problem.Problems;
import dev.tally.core.store.UsageStore;
import dev.tally.core.adjust.AdjustedUsageStore;
import dev.tally.core.adjust.Adjustments;
import dev.tally.core.rerate.CostDelta;
import dev.tally.core.rerate.EndUserCostDelta;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.usage.UsageReporter;
import dev.tally.redis.RedisCounterStore;
import dev.tally.server.config.ConfigFile;
import dev.tally.server.config.DefaultPrices;
import dev.tally.server.config.ServerConfig;
import dev.tally.server.gateway.Gateway;
import dev.tally.server.gateway.GatewayHandler;
import dev.tally.server.gateway.GatewaySettings;
import dev.tally.server.gateway.KeySealer;
import dev.tally.server.gateway.UpstreamRoutes;
import dev.tally.server.gateway.Upstreams;
import dev.tally.server.http.Access;
import dev.tally.server.http.AdjustmentRoutes;
import dev.tally.server.http.RerateRoutes;
import dev.tally.server.http.AlertRoutes;
import dev.tally.server.http.BodyReading;
import dev.tally.server.http.Authenticator;
import dev.tally.server.http.CatalogRoutes;
import dev.tally.server.http.DirectRoutes;
import dev.tally.server.http.EnforcementRoutes;
import dev.tally.server.http.EventRoutes;
import dev.tally.server.http.FatalErrors;
import dev.tally.server.http.KeyRoutes;
import dev.tally.server.http.NotificationRoutes;
import dev.tally.server.http.OpsRoutes;
import dev.tally.server.http.ProblemMapper;
import dev.tally.server.http.Requests;
import dev.tally.server.http.Sessions;
import dev.tally.server.http.UsageRoutes;
import dev.tally.server.jobs.BackgroundJobs;
import dev.tally.server.json.AlertJson;
import dev.tally.server.json.CatalogJson;
import dev.tally.server.json.Json;
import dev.tally.server.json.NotificationJson;
import dev.tally.server.notify.Notifications;
import dev.tally.server.notify.SmtpSettings;
import dev.tally.server.metrics.ServerMetrics;
import dev.tally.server.web.ConsoleRoutes;
import dev.tally.store.Stores;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.event.HandlerMetaInfo;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.javalin.util.ConcurrencyUtil;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A running Tally server: the hand-written wiring of store, catalog, writer, services and HTTP routes, and their
 * orderly shutdown (stop taking requests, commit what the writer holds, close the store).
 */
public final class TallyServer implements AutoCloseable {
    /** Why limits are bounded with Redis counters, as the rule a larger limit breaks says it. */
    private static final String REDIS_BOUND = "when the enforcement counters are shared in Redis (TALLY_REDIS_URL), "
            + "which counts exactly only up to 2^53-1 in the metric's stored unit";
    private static final Logger LOG = LoggerFactory.getLogger(TallyServer.class);
    /** At most one line per this interval reports failing enforcement counters (with the count left out). */
    private static final Duration COUNTER_FAILURE_LOG_INTERVAL = Duration.ofSeconds(10);
    /** How long an idle thread of the platform HTTP pool lives above the pool's minimum (which is its maximum). */
    private static final int HTTP_IDLE_THREAD_MILLIS = 60_000;
    /** How long a stopping server lets a retention pass or an alert sweep in progress go on before interrupting it. */
    private static final Duration SCHEDULE_GRACE = Duration.ofSeconds(2);

    private final Lifecycle lifecycle;
    private final Services services;
    private final Javalin app;
    private final String generatedAdminKey;
    private final List<String> routes;

    /**
     * What the routes serve, wired once at start-up.
     *
     * @param catalog       plans, customers, prices, keys (cached over the store)
     * @param reporter      usage reports
     * @param notifications the outbox of fired alerts and its dispatcher
     * @param alerts        the alert engine
     * @param enforcer      authorization against limits
     * @param counters      the enforcer's counters: in this process or in Redis
     * @param ingest        event ingestion over the writer
     * @param changes       reloads what this node caches when any node changed the configuration
     * @param node          this node's heartbeat in the node registry
     * @param upstreams     the gateway's upstreams and customers' keys for them
     * @param gateway       how the gateway calls upstreams
     */
    private record Services(TallyStore store, Catalog catalog, UsageReporter reporter, Notifications notifications,
                            AlertEngine alerts, Enforcer enforcer, CounterBackend counters, IngestService ingest,
                            ConfigChanges changes, ClusterNode node, Upstreams upstreams, GatewaySettings gateway,
                            Adjustments adjustments, Rerater rerater) {
    }

    /**
     * When the server's own schedules run: both first a minute after the start, then retention hourly and the
     * alerts' self-resolution sweep every minute. Tests shorten them to stop a server while a job runs.
     */
    record SchedulePeriods(Duration first, Duration retention, Duration alertSweep) {
        static final SchedulePeriods DEFAULTS = new SchedulePeriods(Duration.ofMinutes(1), Duration.ofHours(1),
                Duration.ofMinutes(1));
    }

    private TallyServer(Lifecycle lifecycle, Services services, Javalin app, String generatedAdminKey,
                        List<String> routes) {
        this.lifecycle = lifecycle;
        this.services = services;
        this.app = app;
        this.generatedAdminKey = generatedAdminKey;
        this.routes = routes;
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
        return start(effective, file, () -> effective.databaseUrl() == null
                ? Stores.sqliteFile(effective.dataDir(), clock)
                : Stores.open(effective.databaseUrl(), clock, effective.rollupInterval()), clock,
                SchedulePeriods.DEFAULTS);
    }

    /**
     * Like {@link #start(ServerConfig, InstantSource)}, on a store the caller opened (tests wrap a real store to hold
     * or fail its commits); the config's database URL and data directory are not used. The server closes the store
     * on {@link #close}, and at once if it fails to start.
     */
    public static TallyServer start(ServerConfig config, InstantSource clock, TallyStore store) {
        return start(config, clock, store, SchedulePeriods.DEFAULTS);
    }

    /** Like {@link #start(ServerConfig, InstantSource, TallyStore)}, with the schedules run every {@code periods}. */
    static TallyServer start(ServerConfig config, InstantSource clock, TallyStore store, SchedulePeriods periods) {
        ConfigFile file;
        try {
            file = config.configFile() == null ? null : ConfigFile.read(config.configFile());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return start(file == null ? config : file.applyServerSection(config), file, () -> store, clock, periods);
    }

    /**
     * The composition root: starts the components in order through one {@link Lifecycle}, which stops the started
     * ones in reverse if any step fails. The order is the reverse of a graceful stop: the store first; the outbox
     * and the alert engine before the writer (whose commits feed them); the writer before the HTTP server (whose
     * requests feed it); the schedules last.
     */
    private static TallyServer start(ServerConfig config, ConfigFile file, Supplier<TallyStore> openStore,
                                     InstantSource clock, SchedulePeriods periods) {
        Lifecycle lifecycle = new Lifecycle();
        try {
            TallyStore store = lifecycle.start("store", openStore, TallyStore::close);
            ObjectMapper json = Json.mapper();
            // The version is read before any cache is filled, so a change another node makes meanwhile is reloaded.
            ConfigChanges changes = new ConfigChanges(store,
                    e -> BackgroundJobs.failed(LOG,
                            "Reloading the configuration after a change failed; it will be tried again", e));
            Catalog catalog = seededCatalog(config, file, store, json, clock);
            // Billing reads (reports, limits, alerts, counter rebuilds) see adjustments as month usage.
            UsageStore billed = new AdjustedUsageStore(store, store);
            NotificationJson notificationJson = new NotificationJson(json, config.webhookTargets());
            SmtpSettings smtp = seededChannels(file, store, notificationJson);
            // Filled from the store before anything decides; with Redis it may wait for another node filling them.
            CounterBackend counters = lifecycle.start("counters", () -> CounterBackend.open(config, billed, store,
                    catalog, clock), CounterBackend::close);
            StoredSecrets secrets = StoredSecrets.load(config, store);
            Upstreams upstreams = seededUpstreams(config, file, store, catalog);
            ServerMetrics metrics = lifecycle.start("metrics", () -> ServerMetrics.start(store), ServerMetrics::close);
            UsageReporter reporter = new UsageReporter(billed, catalog, clock);
            // Fired alerts go to the notification outbox (webhooks, e-mail), which delivers them in the background.
            Notifications notifications = lifecycle.start("notifications", () -> Notifications.start(store, catalog,
                    notificationJson, smtp, config.webhookTargets(), json, metrics.registry(), clock),
                    Notifications::close);
            AlertEngine alerts = lifecycle.start("alert engine", () -> alertEngine(file, store, billed, catalog, reporter,
                    metrics.countingAlerts(notifications.notifier()), clock), AlertEngine::close);
            Enforcer enforcer = enforcer(config, counters.counters(), catalog, clock, alerts,
                    secrets.reservationSecret(), metrics);
            seedAddedLimits(catalog, counters.counters(), billed, clock);
            EventWriter writer = lifecycle.start("event writer", () -> writer(config, store, metrics),
                    EventWriter::close);
            // Another node's change of plans, customers or prices: reload the catalog, then re-check open alerts.
            changes.onChange(() -> {
                catalog.reload();
                upstreams.reload();
                alerts.sweepLater();
            });
            ClusterNode node = lifecycle.start("node registry", () -> ClusterNode.start(store, counters.kind(),
                    changes, clock), ClusterNode::close);
            Adjustments adjustments = new Adjustments(catalog, store, billed, clock);
            // An adjustment of the current month moves its counters, and may cross (or uncross) an alert's level.
            adjustments.onRecorded(a -> {
                enforcer.recordAdjustment(a.customerId(), a.metric(), a.raw(), a.periodStart());
                catalog.customer(a.customerId()).ifPresent(c -> alerts.adjusted(c, a.periodStart(),
                        Metrics.COST.equals(a.metric()) ? a.raw() : 0));
            });
            Rerater rerater = rerater(store, catalog, enforcer, alerts, clock);
            Services services = new Services(store, catalog, reporter, notifications, alerts, enforcer, counters,
                    new IngestService(catalog, writer, clock, IngestPolicy.DEFAULTS, enforcer, metrics.ingest()),
                    changes, node, upstreams, file == null ? GatewaySettings.defaults(config.maxBodyBytes())
                    : file.gatewaySettings(config.maxBodyBytes()), adjustments, rerater);
            List<String> routes = new ArrayList<>();
            Javalin app = lifecycle.start("HTTP server", () -> httpServer(config, services, secrets, metrics, json,
                    notificationJson, routes, clock).start(), Javalin::stop);
            lifecycle.start("schedules", () -> schedules(config, store, alerts, clock, periods),
                    BackgroundJobs::close);
            LOG.info("Tally listening on http://{}:{} (store: {})", config.host(), app.port(), store.backend());
            return new TallyServer(lifecycle, services, app, secrets.generatedAdminKey(), List.copyOf(routes));
        } catch (RuntimeException | Error e) {
            lifecycle.abort(e);
            throw e;
        }
    }

    /**
     * Re-rating over the ledger's own rollups (the events past retention are counted without adjustments); an
     * applied one moves the enforcing counters and the cost alerts by its changes, and re-checks open alerts (an
     * unpriced alert whose usage is now priced resolves).
     */
    private static Rerater rerater(TallyStore store, Catalog catalog, Enforcer enforcer, AlertEngine alerts,
                                   InstantSource clock) {
        Rerater rerater = new Rerater(catalog, store, store, clock);
        rerater.onApplied((rerating, changes) -> {
            List<CostDelta> deltas = changes.series();
            Map<String, Map<Instant, Long>> byMonth = new HashMap<>();
            for (CostDelta d : deltas) {
                enforcer.recordCostChange(d.customerId(), d.provider(), d.model(), d.endpoint(), d.dayStart(),
                        d.minuteStart(), d.nanos());
                byMonth.computeIfAbsent(d.customerId(), k -> new HashMap<>()).merge(d.monthStart(), d.nanos(),
                        Long::sum);
            }
            Map<String, java.util.Set<Instant>> days = new HashMap<>();
            deltas.forEach(d -> days.computeIfAbsent(d.customerId(), k -> new java.util.TreeSet<>()).add(d.dayStart()));
            byMonth.forEach((customer, months) -> catalog.customer(customer).ifPresent(c -> {
                months.forEach((monthStart, nanos) -> alerts.adjusted(c, monthStart, nanos));
                alerts.repriced(c, days.get(customer));
            }));
            // The counters of cost limits on end users and dimensions, by user or value (their alerts follow them).
            Map<String, List<Enforcer.LimitCostChange>> endUsers = new HashMap<>();
            for (EndUserCostDelta d : changes.endUsers()) {
                endUsers.computeIfAbsent(d.customerId(), k -> new ArrayList<>())
                        .add(new Enforcer.LimitCostChange(d.limit(), d.value(), d.at(), d.nanos()));
            }
            endUsers.forEach(enforcer::recordLimitCostChanges);
            alerts.sweepLater();
        });
        return rerater;
    }

    /**
     * The catalog over the store, with the plans, prices and customers of {@code tally.yaml} put in; a store without
     * any price first gets the default catalog when {@code config} asks for it (so the file's prices win).
     */
    private static Catalog seededCatalog(ServerConfig config, ConfigFile file, TallyStore store, ObjectMapper json,
                                         InstantSource clock) {
        Catalog catalog = new Catalog(store);
        if (config.redisUrl() != null) {
            catalog.countLimitsUpTo(RedisCounterStore.MAX_EXACT, REDIS_BOUND);
        }
        if (config.defaultPrices()) {
            int loaded = DefaultPrices.loadIfEmpty(store, catalog, new CatalogJson(json));
            if (loaded > 0) {
                LOG.info("The price catalog was empty: loaded Tally's {} default list prices of OpenAI, Anthropic and "
                        + "ElevenLabs models ({}); change them with PUT /v1/prices, tally.yaml or 'tally prices "
                        + "import'", loaded, DefaultPrices.RESOURCE);
            }
        }
        if (file != null) {
            file.seed(catalog, new CatalogJson(json), clock.instant());
        }
        requireCountable(catalog);
        return catalog;
    }

    /**
     * Fails the start when a stored plan or customer has a limit the counters cannot count exactly (saved before
     * {@code TALLY_REDIS_URL} was set): every decision of its customers would fail.
     */
    private static void requireCountable(Catalog catalog) {
        Problems problems = new Problems();
        catalog.plans().forEach(p -> catalog.checkCountable("plans." + p.id() + ".limits", p.limits(), problems));
        catalog.customers().forEach(c -> catalog.checkCountable("customers." + c.id() + ".limits", c.limits(),
                problems));
        if (!problems.isEmpty()) {
            StringBuilder sb = new StringBuilder("Stored limits the enforcement counters cannot count (lower them "
                    + "with PUT /v1/plans or /v1/customers on a node without TALLY_REDIS_URL, or in tally.yaml):");
            problems.list().forEach(e -> sb.append("\n  - ").append(e.message()));
            throw new IllegalStateException(sb.toString());
        }
    }

    /**
     * The gateway's upstreams, with those of {@code tally.yaml} put in; their keys are sealed with the key of
     * {@value KeySealer#KEY_VARIABLE}, else of the data directory's {@value KeySealer#KEY_FILE}.
     */
    private static Upstreams seededUpstreams(ServerConfig config, ConfigFile file, TallyStore store,
                                             Catalog catalog) {
        Path dataDir = config.dataDir() != null ? config.dataDir() : Path.of(".");
        Upstreams upstreams = new Upstreams(store, catalog,
                KeySealer.load(System.getenv(KeySealer.KEY_VARIABLE), dataDir));
        if (file != null) {
            file.seedUpstreams(upstreams, System.getenv());
        }
        return upstreams;
    }

    /** Puts the notification channels of {@code tally.yaml} in the store; answers its SMTP settings, or null. */
    private static SmtpSettings seededChannels(ConfigFile file, TallyStore store, NotificationJson notificationJson) {
        if (file == null) {
            return null;
        }
        SmtpSettings smtp = file.smtp(System.getenv());
        file.seedChannels(store, notificationJson, smtp != null).forEach((id, secret) -> LOG.warn(
                "Generated the signing secret of webhook channel {}: {} (shown once; put it in tally.yaml to "
                        + "keep it fixed)", id, secret));
        return smtp;
    }

    /** The alert engine, reporting to the outbox; a changed catalog makes it re-check open alerts soon. */
    private static AlertEngine alertEngine(ConfigFile file, TallyStore store, UsageStore billed, Catalog catalog,
                                           UsageReporter reporter, AlertListener notifier, InstantSource clock) {
        AlertEngine alerts = new AlertEngine(store, billed, catalog, reporter, clock,
                file == null ? AlertSettings.DEFAULTS : file.alertSettings(), notifier,
                e -> LOG.warn("Alert evaluation failed; it will be tried again", e));
        // A changed plan or customer may have raised a limit: re-check open alerts soon, not only at the next sweep.
        catalog.onChange(alerts::sweepLater);
        return alerts;
    }

    /** The group-committing writer (its threads start here) with its metrics. */
    private static EventWriter writer(ServerConfig config, TallyStore store, ServerMetrics metrics) {
        EventWriter writer = new EventWriter(store,
                new WriterSettings(config.writerMaxBatch(), config.writerLinger(), 10_000), metrics.writerBatches());
        metrics.bindWriter(writer);
        return writer;
    }

    /** The HTTP server with every route, not yet listening; {@code routes} collects the routes as they are added. */
    private static Javalin httpServer(ServerConfig config, Services services, StoredSecrets secrets,
                                      ServerMetrics metrics, ObjectMapper json,
                                      NotificationJson notificationJson, List<String> routes, InstantSource clock) {
        Sessions sessions = new Sessions(secrets.sessionSecret(), secrets.adminKeyHash(), clock);
        Authenticator auth = new Authenticator(secrets.adminKeyHash(), services.store(), clock, sessions);
        services.changes().onChange(auth::forgetCachedKeys);
        Access access = new Access(auth);
        Requests requests = new Requests(json);
        ProblemMapper problems = new ProblemMapper(json);
        List<HandlerMetaInfo> getRoutes = new ArrayList<>();
        boolean virtualThreads = Runtime.version().feature() >= 21;
        ThreadPool httpPool = httpPool(config, virtualThreads);
        Gateway gateway = new Gateway(auth, services.upstreams(), services.enforcer(), services.ingest(), httpPool,
                clock, services.gateway(), json);
        GATEWAY_METHODS.forEach(m -> routes.add(m + " " + GATEWAY_ROUTE));
        return Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.events.handlerAdded(h -> {
                routes.add(h.getHttpMethod() + " " + h.getPath());
                if (h.getHttpMethod() == HandlerType.GET) {
                    getRoutes.add(h);
                }
            });
            cfg.jetty.host = config.host();
            cfg.jetty.port = config.port();
            cfg.jetty.threadPool = httpPool;
            // Bodies are read before a request takes a pool thread, so slow senders cannot hold every thread; the
            // gateway's calls are taken before that, so their bodies stream through on the gateway's threads. The
            // common case of the hot calls is answered next, before the servlet layer; Javalin's handler goes last.
            DirectRoutes direct = new DirectRoutes(auth, services.enforcer(), services.ingest(), json, problems,
                    metrics.httpRequests(), clock, httpPool);
            cfg.jetty.modifyServer(server -> server.setHandler(new GatewayHandler(gateway, gatewayThreads(),
                    new BodyReading(config.maxBodyBytes(), config.bodyTimeout(), problems, direct))));
            cfg.http.maxRequestSize = config.maxBodyBytes();
            cfg.http.prefer405over404 = true;
            cfg.concurrency.useVirtualThreads = virtualThreads;
            cfg.jsonMapper(new JavalinJackson(json, false));
            cfg.requestLogger.http(metrics.httpRequests());
            problems.register(cfg.routes);
            // An Error (a class gone from a rewritten jar) is answered 500 and logged once, never thrown back.
            cfg.router.javaLangErrorHandler(new FatalErrors());
            // The console's scripts and styles, and the chart library from its webjar; public, they hold no data.
            cfg.staticFiles.add(files -> {
                files.hostedPath = "/assets";
                files.directory = "/web/assets";
                files.location = Location.CLASSPATH;
            });
            cfg.staticFiles.enableWebjars();
            TallyStore store = services.store();
            Catalog catalog = services.catalog();
            new ConsoleRoutes(auth, sessions, json).register(cfg.routes);
            new OpsRoutes(store, services.counters().kind(), services.counters()::isHealthy,
                    services.node()::liveNodes, metrics.registry(), json).register(cfg.routes);
            new CatalogRoutes(catalog, auth, requests, json, clock).register(cfg.routes);
            // The HTTP pool also runs what follows a commit (answering POST /v1/events), off the writer's thread.
            new EventRoutes(services.ingest(), access, requests, json, clock, httpPool).register(cfg.routes);
            new UsageRoutes(services.reporter(), store, catalog, services.adjustments(), services.rerater(),
                    services.enforcer(), new EndUserLimitStates(catalog, services.counters().counters(), clock),
                    access, json,
                    virtualThreads ? null : readPool()).register(cfg.routes);
            new AdjustmentRoutes(services.adjustments(), access, requests, json).register(cfg.routes);
            new RerateRoutes(services.rerater(), access, requests, json).register(cfg.routes);
            new EnforcementRoutes(services.enforcer(), access, requests, json, clock).register(cfg.routes);
            new AlertRoutes(new AlertService(store, services.alerts(), clock), auth, access, new AlertJson(json))
                    .register(cfg.routes);
            new NotificationRoutes(store, services.notifications(), notificationJson, access, requests, json)
                    .register(cfg.routes);
            new KeyRoutes(auth, access, requests, json).register(cfg.routes);
            new UpstreamRoutes(services.upstreams(), access, requests, json).register(cfg.routes);
            headLikeGet(cfg.routes, getRoutes);
        });
    }

    /** The gateway's route, as the OpenAPI document names it; its calls never reach Javalin. */
    private static final String GATEWAY_ROUTE = "/gateway/{upstream}/{path}";
    /** The methods the gateway forwards. */
    private static final List<String> GATEWAY_METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");

    /**
     * The threads of the gateway's calls: a forwarded call blocks its thread for as long as the upstream answers
     * (seconds for a completion, an hour for a long audio stream), so each call has a thread of its own, created on
     * demand and ending after a minute idle, rather than one of the HTTP pool's few.
     */
    private static Executor gatewayThreads() {
        AtomicInteger next = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new java.util.concurrent.SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "tally-gateway-" + next.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        return pool;
    }

    /** The background jobs: retention hourly, and the alerts' self-resolution sweep every minute. */
    private static BackgroundJobs schedules(ServerConfig config, TallyStore store, AlertEngine alerts,
                                            InstantSource clock, SchedulePeriods periods) {
        BackgroundJobs background = new BackgroundJobs("tally-retention", SCHEDULE_GRACE);
        RetentionJob retention = new RetentionJob(store, clock, config.retention());
        // One node at a time: two passes at once would only race to delete the same rows.
        background.every(periods.first(), periods.retention(), () -> runRetention(store, retention));
        // Self-resolution of alerts: new periods, raised limits, changed catalog (see AlertEngine).
        background.every(periods.first(), periods.alertSweep(), () -> runAlertSweep(store, alerts));
        return background;
    }

    private static void runAlertSweep(TallyStore store, AlertEngine alerts) {
        try {
            // One node at a time: each resolution is a conditional update, so two sweeps never resolve an alert
            // twice, but every node reading every open alert each minute would only repeat the same work.
            store.runExclusively("alert sweep", alerts::sweep);
        } catch (RuntimeException e) {
            BackgroundJobs.failed(LOG, "Alert sweep failed; it runs again in a minute", e);
        }
    }

    /**
     * Answers HEAD on every GET route by running the GET handler (Jetty sends no body for HEAD). Left to itself,
     * Javalin answers HEAD 200 for any path that has a GET route without running any handler, so HEAD skipped
     * authentication and every error: a HEAD without a key answered 200 where GET answers 401.
     */
    private static void headLikeGet(RoutesConfig routes, List<HandlerMetaInfo> getRoutes) {
        if (getRoutes.isEmpty()) {
            throw new IllegalStateException("no GET route was seen while registering; HEAD would skip authentication");
        }
        for (HandlerMetaInfo get : List.copyOf(getRoutes)) {
            routes.head(get.getPath(), get.getHandler());
        }
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
     * The enforcer on counters already filled from the store, with the secret that signs reservation ids (kept in the
     * store, so ids stay valid across restarts and on every node).
     */
    private static Enforcer enforcer(ServerConfig config, CounterStore counters, Catalog catalog, InstantSource clock,
                                     AlertEngine alerts, byte[] secret, ServerMetrics metrics) {
        LOG.info("Enforcement failure policy: {}", config.failurePolicy());
        return new Enforcer(catalog, counters, new ReservationIds(secret), clock, config.failurePolicy(),
                new CounterFailureLog(config.failurePolicy().toString(), clock, COUNTER_FAILURE_LOG_INTERVAL,
                        (line, e) -> {
                            LOG.warn(line);
                            LOG.debug("The stack trace of that counter failure", e);
                        }), alerts,
                metrics.decisions());
    }

    /**
     * A limit added to a customer (here, or on this node: the writing node seeds shared counters, once) starts with the
     * usage already in its window, so a limit added partway through a day or month cannot let the customer or a user
     * past its amount. A failure is logged: the write is stored, and the counter counts from now until a restart.
     */
    private static void seedAddedLimits(Catalog catalog, CounterStore counters, UsageStore billed,
                                        InstantSource clock) {
        catalog.onLimitsAdded((customer, added) -> {
            try {
                int seeds = CounterRebuild.seedAdded(counters, billed, customer, added, clock.instant());
                LOG.debug("Limits added to customer '{}' seeded from {} rows", customer.id(), seeds);
            } catch (RuntimeException e) {
                LOG.warn("Limits added to customer '{}' could not be seeded with its earlier usage", customer.id(),
                        e);
            }
        });
    }

    private static void runRetention(TallyStore store, RetentionJob job) {
        try {
            boolean ran = store.runExclusively("retention", () -> {
                RetentionJob.Result r = job.runOnce();
                if (r.events() + r.minuteRollups() + r.hourRollups() > 0) {
                    LOG.info("Retention removed {} raw events, {} minute and {} hour rollups", r.events(),
                            r.minuteRollups(), r.hourRollups());
                }
            });
            if (!ran) {
                LOG.debug("Retention skipped: another node is running it");
            }
        } catch (RuntimeException e) {
            BackgroundJobs.failed(LOG, "Retention pass failed; it will run again", e);
        }
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
        return services.catalog();
    }

    public IngestService ingest() {
        return services.ingest();
    }

    public TallyStore store() {
        return services.store();
    }

    public Enforcer enforcer() {
        return services.enforcer();
    }

    /** Notifications: the listener for fired alerts ({@code notifications().notifier()}) and the dispatcher. */
    public Notifications notifications() {
        return services.notifications();
    }

    /** The alert engine: tests {@link AlertEngine#drain drain} and {@link AlertEngine#sweep sweep} it. */
    public AlertEngine alerts() {
        return services.alerts();
    }

    /**
     * Stops in the reverse order of the start: the schedules, then taking requests (in-flight ones finish), then the
     * writer (committing what it holds), the alert engine (which hands what it holds to the outbox), the outbox's
     * dispatcher, and last the store.
     */
    @Override
    public void close() {
        LOG.info("Tally shutting down: draining requests and the writer");
        lifecycle.stop();
        LOG.info("Tally stopped");
    }
}
