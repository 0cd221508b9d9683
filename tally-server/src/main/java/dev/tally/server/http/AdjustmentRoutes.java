package dev.tally.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.adjust.Adjustment;
import dev.tally.core.adjust.Adjustments;
import dev.tally.server.json.AdjustmentJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/** Adjustments of a customer's billing month: recorded by an admin, listed for the admin or that customer. */
public final class AdjustmentRoutes {
    private final Adjustments adjustments;
    private final Access access;
    private final Requests requests;
    private final AdjustmentJson adjustmentJson;
    private final ObjectMapper json;

    public AdjustmentRoutes(Adjustments adjustments, Access access, Requests requests, ObjectMapper json) {
        this.adjustments = adjustments;
        this.access = access;
        this.requests = requests;
        this.adjustmentJson = new AdjustmentJson(json);
        this.json = json;
    }

    public void register(RoutesConfig routes) {
        routes.post("/v1/customers/{customer_id}/adjustments", this::create);
        routes.get("/v1/customers/{customer_id}/adjustments", this::list);
    }

    private void create(Context ctx) {
        String who = access.requireAdmin(ctx).who();
        AdjustmentJson.Body body = adjustmentJson.parse(requests.body(ctx));
        Adjustment a = adjustments.record(ctx.pathParam("customer_id"), body.metric(), body.amount(), body.reason(),
                body.period(), who);
        ctx.status(201).json(adjustmentJson.write(a));
    }

    private void list(Context ctx) {
        String id = ctx.pathParam("customer_id");
        access.requireRead(ctx, id);
        ObjectNode out = json.createObjectNode();
        out.put("customer", id);
        adjustmentJson.putList(out, adjustments.list(id, Requests.period(ctx)));
        ctx.json(out);
    }
}
