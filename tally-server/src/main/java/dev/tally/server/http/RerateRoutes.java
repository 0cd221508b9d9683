package dev.tally.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.rerate.Rerating;
import dev.tally.server.json.RerateJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/** Re-rating a billing month with the catalog as it is now, and the records of applied re-ratings: admin only. */
public final class RerateRoutes {
    private final Rerater rerater;
    private final Access access;
    private final Requests requests;
    private final RerateJson rerateJson;

    public RerateRoutes(Rerater rerater, Access access, Requests requests, ObjectMapper json) {
        this.rerater = rerater;
        this.access = access;
        this.requests = requests;
        this.rerateJson = new RerateJson(json);
    }

    public void register(RoutesConfig routes) {
        routes.post("/v1/rerate", this::rerate);
        routes.get("/v1/reratings", this::list);
        routes.get("/v1/reratings/{rerating_id}", this::get);
    }

    private void rerate(Context ctx) {
        String who = access.requireAdmin(ctx).who();
        RerateJson.Body body = rerateJson.parse(requests.body(ctx));
        Rerating r = rerater.run(body.period(), body.customer(), body.dryRun(), who);
        ctx.status(body.dryRun() ? 200 : 201).json(rerateJson.write(r));
    }

    private void list(Context ctx) {
        access.requireAdmin(ctx);
        ctx.json(rerateJson.list(rerater.list(ctx.queryParam("customer"))));
    }

    private void get(Context ctx) {
        access.requireAdmin(ctx);
        ctx.json(rerateJson.write(rerater.get(ctx.pathParam("rerating_id"))));
    }
}
