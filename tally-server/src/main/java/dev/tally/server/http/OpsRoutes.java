package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tally.core.store.TallyStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
    }

    public void register(RoutesConfig routes) {
        routes.get("/health", this::health);
        routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.scrape()));
        routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApiJson));
    }

    private void health(Context ctx) {
        boolean storeHealthy = store.isHealthy();
        boolean countersUp = countersHealthy.getAsBoolean();
        boolean healthy = storeHealthy && countersUp;
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
            out.put("reason", !storeHealthy ? "the store does not answer" : "the counters (Redis) do not answer");
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
