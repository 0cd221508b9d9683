package dev.tally.server.http;

import dev.tally.core.alert.Alert;
import dev.tally.core.alert.AlertCursor;
import dev.tally.core.alert.AlertKind;
import dev.tally.core.alert.AlertQuery;
import dev.tally.core.alert.AlertService;
import dev.tally.core.alert.AlertState;
import dev.tally.core.problem.NotFoundException;
import dev.tally.server.json.AlertJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Alerts: {@code GET /v1/alerts} (filters {@code state}, {@code customer}, {@code kind}; paginated),
 * {@code GET /v1/alerts/{id}}, {@code POST /v1/alerts/{id}/acknowledge}, {@code POST /v1/alerts/{id}/resolve}, and
 * {@code GET /v1/me/alerts}.
 *
 * <p>Access: the admin key sees and moves every alert. A customer key reads only its own customer's alerts: the list
 * is narrowed to it (naming another customer answers 403, whether or not it exists), and another customer's alert
 * by id answers 404 like a missing one, so ids cannot be probed. Acknowledging and resolving need the admin key
 * (customer keys only read, as everywhere in the contract).
 */
public final class AlertRoutes {

    private final AlertService alerts;
    private final Authenticator auth;
    private final Access access;
    private final AlertJson json;

    public AlertRoutes(AlertService alerts, Authenticator auth, Access access, AlertJson json) {
        this.alerts = alerts;
        this.auth = auth;
        this.access = access;
        this.json = json;
    }

    public void register(RoutesConfig routes) {
        routes.get("/v1/alerts", this::list);
        routes.get("/v1/me/alerts", ctx -> list(ctx, access.requireCustomer(ctx)));
        routes.get("/v1/alerts/{alert_id}", this::get);
        routes.post("/v1/alerts/{alert_id}/acknowledge", ctx -> {
            String who = access.requireAdmin(ctx).who();
            ctx.json(json.write(alerts.acknowledge(ctx.pathParam("alert_id"), who)));
        });
        routes.post("/v1/alerts/{alert_id}/resolve", ctx -> {
            String who = access.requireAdmin(ctx).who();
            ctx.json(json.write(alerts.resolve(ctx.pathParam("alert_id"), who)));
        });
    }

    private void list(Context ctx) {
        String customer = ctx.queryParam("customer");
        if (auth.principal(ctx) instanceof Principal.CustomerKey key) {
            if (customer != null) {
                access.requireRead(ctx, customer);
            }
            customer = key.customerId();
        }
        list(ctx, customer);
    }

    private void list(Context ctx, String customer) {
        int limit = Requests.intParam(ctx, "limit", Requests.DEFAULT_PAGE, 1, Requests.MAX_PAGE);
        AlertQuery query = new AlertQuery(state(ctx), customer, kind(ctx), limit, cursor(ctx));
        ctx.json(json.page(alerts.list(query)));
    }

    private void get(Context ctx) {
        String id = ctx.pathParam("alert_id");
        // Authenticate before the lookup: without a key the answer is 401 whether or not the alert exists.
        Principal principal = auth.principal(ctx);
        Alert a = alerts.get(id);
        if (principal instanceof Principal.CustomerKey key && !key.customerId().equals(a.customer())) {
            throw new NotFoundException("alert", id);
        }
        ctx.json(json.write(a));
    }

    private static AlertState state(Context ctx) {
        String value = ctx.queryParam("state");
        if (value == null) {
            return null;
        }
        return AlertState.fromWire(value).orElseThrow(() -> HttpProblem.badRequest("state", "state: must be one of "
                + Arrays.stream(AlertState.values()).map(AlertState::wireName).collect(Collectors.joining(", "))
                + ", was \"" + value + "\""));
    }

    private static AlertKind kind(Context ctx) {
        String value = ctx.queryParam("kind");
        if (value == null) {
            return null;
        }
        return AlertKind.fromWire(value).orElseThrow(() -> HttpProblem.badRequest("kind", "kind: must be one of "
                + Arrays.stream(AlertKind.values()).map(AlertKind::wireName).collect(Collectors.joining(", "))
                + ", was \"" + value + "\""));
    }

    private static AlertCursor cursor(Context ctx) {
        String cursor = ctx.queryParam("cursor");
        try {
            return cursor == null ? null : AlertCursor.decode(cursor);
        } catch (IllegalArgumentException e) {
            throw HttpProblem.badRequest("cursor", "cursor: " + e.getMessage());
        }
    }
}
