package dev.tally.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Plan;
import dev.tally.core.pricing.LitellmModel;
import dev.tally.core.pricing.Price;
import dev.tally.core.pricing.PriceImport;
import dev.tally.core.problem.NotFoundException;
import dev.tally.server.json.CatalogJson;
import dev.tally.server.json.LitellmJson;
import dev.tally.server.json.RecordedTime;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;

/** Administration of plans, customers, customer keys and prices. */
public final class CatalogRoutes {
    private final Catalog catalog;
    private final Authenticator auth;
    private final Access access;
    private final Requests requests;
    private final CatalogJson catalogJson;
    private final ObjectMapper json;
    private final InstantSource clock;

    public CatalogRoutes(Catalog catalog, Authenticator auth, Requests requests, ObjectMapper json,
                         InstantSource clock) {
        this.catalog = catalog;
        this.auth = auth;
        this.access = new Access(auth);
        this.requests = requests;
        this.catalogJson = new CatalogJson(json);
        this.json = json;
        this.clock = clock;
    }

    public void register(RoutesConfig routes) {
        routes.put("/v1/plans/{plan_id}", this::putPlan);
        routes.get("/v1/plans", this::listPlans);
        routes.get("/v1/plans/{plan_id}", this::getPlan);
        routes.delete("/v1/plans/{plan_id}", this::deletePlan);
        routes.put("/v1/customers/{customer_id}", this::putCustomer);
        routes.get("/v1/customers", this::listCustomers);
        routes.get("/v1/customers/{customer_id}", this::getCustomer);
        routes.delete("/v1/customers/{customer_id}", this::deleteCustomer);
        routes.get("/v1/me", ctx -> ctx.json(catalogJson.writeCustomer(
                catalog.requireCustomer(access.requireCustomer(ctx)))));
        routes.post("/v1/customers/{customer_id}/keys", this::issueKey);
        routes.delete("/v1/customers/{customer_id}/keys/{key_id}", this::revokeKey);
        routes.put("/v1/prices", this::putPrices);
        routes.get("/v1/prices", this::listPrices);
        routes.post("/v1/prices/import", this::importPrices);
    }

    private void putPlan(Context ctx) {
        access.requireAdmin(ctx);
        String id = ctx.pathParam("plan_id");
        Plan plan = catalogJson.parsePlan(id, requests.body(ctx));
        boolean existed = catalog.plan(id).isPresent();
        catalog.putPlan(plan);
        ctx.status(existed ? 200 : 201).json(catalogJson.writePlan(plan));
    }

    private void listPlans(Context ctx) {
        access.requireAdmin(ctx);
        ctx.json(envelope("plans", Page.byId(ctx, catalog.plans(), Plan::id), catalogJson::writePlan));
    }

    private void getPlan(Context ctx) {
        access.requireAdmin(ctx);
        String id = ctx.pathParam("plan_id");
        ctx.json(catalogJson.writePlan(catalog.plan(id).orElseThrow(() -> new NotFoundException("plan", id))));
    }

    private void deletePlan(Context ctx) {
        access.requireAdmin(ctx);
        catalog.deletePlan(ctx.pathParam("plan_id"));
        ctx.status(204);
    }

    private void putCustomer(Context ctx) {
        access.requireAdmin(ctx);
        String id = ctx.pathParam("customer_id");
        Customer parsed = catalogJson.parseCustomer(id, requests.body(ctx), clock.instant());
        boolean existed = catalog.customer(id).isPresent();
        Customer stored = catalog.putCustomer(parsed);
        ctx.status(existed ? 200 : 201).json(catalogJson.writeCustomer(stored));
    }

    private void listCustomers(Context ctx) {
        access.requireAdmin(ctx);
        ctx.json(envelope("customers", Page.byId(ctx, catalog.customers(), Customer::id),
                catalogJson::writeCustomer));
    }

    private void getCustomer(Context ctx) {
        String id = ctx.pathParam("customer_id");
        access.requireRead(ctx, id);
        ctx.json(catalogJson.writeCustomer(catalog.requireCustomer(id)));
    }

    private void deleteCustomer(Context ctx) {
        access.requireAdmin(ctx);
        catalog.deleteCustomer(ctx.pathParam("customer_id"));
        ctx.status(204);
    }

    private void issueKey(Context ctx) {
        access.requireAdmin(ctx);
        Customer customer = catalog.requireCustomer(ctx.pathParam("customer_id"));
        Authenticator.IssuedKey issued = auth.issue(customer.id());
        ObjectNode out = json.createObjectNode();
        out.put("id", issued.id());
        out.put("key", issued.key());
        out.put("customer", issued.customerId());
        out.put("created_at", RecordedTime.format(issued.createdAt()));
        ctx.status(201).json(out);
    }

    private void revokeKey(Context ctx) {
        access.requireAdmin(ctx);
        String customerId = ctx.pathParam("customer_id");
        String keyId = ctx.pathParam("key_id");
        if (!auth.revoke(customerId, keyId)) {
            throw new NotFoundException("key", keyId);
        }
        ctx.status(204);
    }

    private void putPrices(Context ctx) {
        access.requireAdmin(ctx);
        List<Price> prices = catalogJson.parsePrices(requests.body(ctx));
        catalog.putPrices(prices);
        ObjectNode out = json.createObjectNode();
        out.put("updated", prices.size());
        ctx.json(out);
    }

    /**
     * {@code POST /v1/prices/import?effective_from=&dry_run=}: a LiteLLM price file as the body; answers what it
     * adds and changes (and stores that, unless a dry run).
     */
    private void importPrices(Context ctx) {
        access.requireAdmin(ctx);
        Instant from = Requests.instantParam(ctx, "effective_from");
        if (from == null) {
            throw HttpProblem.badRequest("effective_from", "effective_from: is required (an ISO-8601 timestamp "
                    + "or a date YYYY-MM-DD from which the imported prices apply)");
        }
        boolean dryRun = Requests.boolParam(ctx, "dry_run");
        BodyType.requireJson(ctx);
        List<LitellmModel> entries = LitellmJson.parse(ctx.bodyAsBytes());
        PriceImport.Report report = PriceImport.plan(catalog.prices(), entries, from);
        if (!dryRun && !report.toStore().isEmpty()) {
            catalog.putPrices(report.toStore());
        }
        ctx.json(catalogJson.writeImport(report, dryRun));
    }

    private void listPrices(Context ctx) {
        access.requireAdmin(ctx);
        ctx.json(envelope("prices", Page.byOffset(ctx, catalog.prices().all()), catalogJson::writePrice));
    }

    /** The contract's list envelope: {@code {"<field>": [...], "next_cursor": ...}}. */
    private <T> ObjectNode envelope(String field, Page<T> page, java.util.function.Function<T, ObjectNode> writer) {
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray(field);
        page.items().forEach(item -> list.add(writer.apply(item)));
        out.put("next_cursor", page.nextCursor());
        return out;
    }
}
