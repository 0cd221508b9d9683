package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.gateway.Upstream;
import dev.tally.core.problem.NotFoundException;
import dev.tally.server.http.Access;
import dev.tally.server.http.Requests;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * The admin API of the gateway: {@code PUT|GET|DELETE /v1/upstreams/{name}}, {@code GET /v1/upstreams}, and a
 * customer's own key for an upstream, {@code PUT|DELETE /v1/customers/{id}/upstream-keys/{upstream}}. Keys are
 * write-only: answers say whether a key is set ({@code has_api_key}), never the key.
 */
public final class UpstreamRoutes {
    private final Upstreams upstreams;
    private final Access access;
    private final Requests requests;
    private final ObjectMapper json;

    public UpstreamRoutes(Upstreams upstreams, Access access, Requests requests, ObjectMapper json) {
        this.upstreams = upstreams;
        this.access = access;
        this.requests = requests;
        this.json = json;
    }

    public void register(RoutesConfig routes) {
        routes.get("/v1/upstreams", this::list);
        routes.get("/v1/upstreams/{name}", this::get);
        routes.put("/v1/upstreams/{name}", this::put);
        routes.delete("/v1/upstreams/{name}", this::delete);
        routes.put("/v1/customers/{customer_id}/upstream-keys/{upstream}", this::putKey);
        routes.delete("/v1/customers/{customer_id}/upstream-keys/{upstream}", this::deleteKey);
    }

    private void list(Context ctx) {
        access.requireAdmin(ctx);
        ObjectNode out = json.createObjectNode();
        ArrayNode data = out.putArray("data");
        upstreams.list().forEach(u -> data.add(write(u)));
        ctx.json(out);
    }

    private void get(Context ctx) {
        access.requireAdmin(ctx);
        String name = ctx.pathParam("name");
        ctx.json(write(upstreams.find(name).orElseThrow(() -> new NotFoundException("upstream", name))));
    }

    private void put(Context ctx) {
        access.requireAdmin(ctx);
        ctx.json(write(upstreams.put(ctx.pathParam("name"), requests.body(ctx))));
    }

    private void delete(Context ctx) {
        access.requireAdmin(ctx);
        upstreams.delete(ctx.pathParam("name"));
        ctx.status(204);
    }

    private void putKey(Context ctx) {
        access.requireAdmin(ctx);
        upstreams.putCustomerKey(ctx.pathParam("customer_id"), ctx.pathParam("upstream"), requests.body(ctx));
        ctx.status(204);
    }

    private void deleteKey(Context ctx) {
        access.requireAdmin(ctx);
        upstreams.deleteCustomerKey(ctx.pathParam("customer_id"), ctx.pathParam("upstream"));
        ctx.status(204);
    }

    private ObjectNode write(Upstream u) {
        ObjectNode o = json.createObjectNode();
        o.put("name", u.name());
        o.put("type", u.type().wireName());
        o.put("base_url", u.baseUrl());
        o.put("provider", u.provider());
        o.put("has_api_key", u.sealedKey() != null);
        return o;
    }
}
