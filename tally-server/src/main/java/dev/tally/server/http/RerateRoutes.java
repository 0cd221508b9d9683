package dev.tally.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.rerate.RerateCursor;
import dev.tally.core.rerate.RerateListing;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.rerate.Rerating;
import dev.tally.server.json.RerateJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

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
        int limit = Requests.intParam(ctx, "limit", Requests.DEFAULT_PAGE, 1, Requests.MAX_PAGE);
        RerateListing page = rerater.list(ctx.queryParam("customer"), parseCursor(ctx.queryParam("cursor")), limit);
        ctx.json(rerateJson.list(page.reratings(), page.next() == null ? null : cursor(page.next())));
    }

    /** The opaque cursor: the creation time (epoch milliseconds) and id of the last record of the page. */
    static String cursor(RerateCursor next) {
        String raw = next.createdAt().toEpochMilli() + ":" + next.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static RerateCursor parseCursor(String cursor) {
        if (cursor == null) {
            return null;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int colon = raw.indexOf(':');
            return new RerateCursor(Instant.ofEpochMilli(Long.parseLong(raw.substring(0, colon))),
                    raw.substring(colon + 1));
        } catch (RuntimeException e) {
            throw HttpProblem.badRequest("cursor", "cursor: is not a cursor returned by this API, was \"" + cursor
                    + "\"");
        }
    }

    private void get(Context ctx) {
        access.requireAdmin(ctx);
        ctx.json(rerateJson.write(rerater.get(ctx.pathParam("rerating_id"))));
    }
}
