package dev.tally.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.problem.NotFoundException;
import dev.tally.server.json.DecisionJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;
import io.javalin.http.Context;

import java.time.InstantSource;

/**
 * {@code POST /v1/authorize} (decide and reserve), {@code POST /v1/check} (decide only) and
 * {@code DELETE /v1/reservations/{id}}. A decision is data and always answers 200; the rate-limit headers describe
 * the most constraining limit ({@code X-RateLimit-*}) and every limit ({@code RateLimit-Policy}, {@code RateLimit}).
 */
public final class EnforcementRoutes {
    private final Enforcer enforcer;
    private final Access access;
    private final Requests requests;
    private final DecisionJson decisionJson;
    private final InstantSource clock;

    public EnforcementRoutes(Enforcer enforcer, Access access, Requests requests, ObjectMapper json,
                             InstantSource clock) {
        this.clock = clock;
        this.enforcer = enforcer;
        this.access = access;
        this.requests = requests;
        this.decisionJson = new DecisionJson(json);
    }

    public void register(RoutesConfig routes) {
        routes.post("/v1/authorize", ctx -> decide(ctx, true));
        routes.post("/v1/check", ctx -> decide(ctx, false));
        routes.delete("/v1/reservations/{reservation_id}", this::release);
    }

    private void decide(Context ctx, boolean reserve) {
        access.requireAdminOrIngest(ctx);
        BodyType.requireJson(ctx);
        byte[] body = ctx.bodyAsBytes();
        CallRequest call = decisionJson.parseValid(body);
        if (call == null) {
            call = decisionJson.parse(requests.body(body)); // answers every problem of the body
        }
        Decision decision = reserve ? enforcer.authorize(call) : enforcer.check(call);
        RateLimitHeaders.write(ctx, decision, clock.instant());
        ctx.contentType(ContentType.APPLICATION_JSON).result(decisionJson.writeBytes(decision));
    }

    private void release(Context ctx) {
        access.requireAdminOrIngest(ctx);
        String id = ctx.pathParam("reservation_id");
        if (!enforcer.release(id)) {
            throw new NotFoundException("open reservation", id);
        }
        ctx.status(204);
    }
}
