package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tally.core.persistence.TallyStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/** Unauthenticated operational endpoints: health, Prometheus metrics, the OpenAPI document. */
public final class OpsRoutes {
    private final TallyStore store;
    private final String countersKind;
    private final BooleanSupplier countersHealthy;
    private final IntSupplier liveNodes;
    private final PrometheusMeterRegistry metrics;
    private final ObjectMapper json;
    private final String openApiJson;
    private final HealthProbe storeProbe;
    private final HealthProbe countersProbe;
    /** The longest {@code /health} waits for its checks: the contract says it answers within a second. */
    static final Duration HEALTH_BUDGET = Duration.ofMillis(800);
    /** What a 503 of {@code /health} suggests: a second, as for the other 503s. */
    private static final int RETRY_AFTER_SECONDS = 1;

    /**
     * @param countersKind    {@code local} or {@code redis}, as {@code /health} names the enforcement counters
     * @param countersHealthy whether the counters answer (a shared Redis may not)
     * @param liveNodes       the live nodes of the database as last counted (never a query on the request's time)
     */
    public OpsRoutes(TallyStore store, String countersKind, BooleanSupplier countersHealthy, IntSupplier liveNodes,
                     PrometheusMeterRegistry metrics, ObjectMapper json) {
        this.store = store;
        this.countersKind = countersKind;
        this.countersHealthy = countersHealthy;
        this.liveNodes = liveNodes;
        this.metrics = metrics;
        this.json = json;
        this.openApiJson = loadOpenApi();
        Executor checks = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "tally-health");
            t.setDaemon(true);
            return t;
        });
        String storeName = "the store (" + store.backend() + ")";
        this.storeProbe = new HealthProbe(storeName + " does not answer", storeName + " did not answer in time",
                store::isHealthy, checks);
        String counters = "redis".equals(countersKind) ? "the counters (Redis)" : "the counters";
        this.countersProbe = new HealthProbe(counters + " do not answer", counters + " did not answer in time",
                countersHealthy, checks);
    }

    public void register(RoutesConfig routes) {
        routes.get("/health", this::health);
        routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.scrape()));
        routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApiJson));
    }

    /**
     * Healthy or not within {@link #HEALTH_BUDGET}, whatever state the store and the counters are in: both are
     * checked off this thread, in parallel, and a check that takes longer counts as not answering.
     */
    private void health(Context ctx) {
        long deadline = System.nanoTime() + HEALTH_BUDGET.toNanos();
        var storeCheck = storeProbe.start();
        var countersCheck = countersProbe.start();
        String storeProblem = storeProbe.await(storeCheck, deadline);
        String countersProblem = countersProbe.await(countersCheck, deadline);
        boolean healthy = storeProblem == null && countersProblem == null;
        ObjectNode out = json.createObjectNode();
        out.put("status", healthy ? "ok" : "unavailable");
        out.put("store", store.backend());
        out.put("counters", countersKind);
        int nodes = liveNodes.getAsInt();
        out.put("nodes", nodes);
        if (nodes > 1 && "local".equals(countersKind)) {
            out.put("warning", nodes + " nodes share this database without shared counters (TALLY_REDIS_URL): "
                    + "each enforces limits alone");
        }
        if (!healthy) {
            out.put("reason", storeProblem != null ? storeProblem : countersProblem);
            ctx.header("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
        }
        ctx.status(healthy ? 200 : 503).json(out);
    }

    /** The contract-first OpenAPI document, kept as YAML in the resources and served as JSON. */
    private String loadOpenApi() {
        try (InputStream in = OpsRoutes.class.getResourceAsStream("/openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the server's resources");
            }
            JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(in);
            return json.writeValueAsString(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
