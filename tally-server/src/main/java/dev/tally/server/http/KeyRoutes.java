package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.auth.ApiKey;
import dev.tally.core.problem.NotFoundException;
import dev.tally.core.problem.Problems;
import dev.tally.server.json.JsonFields;
import dev.tally.server.json.RecordedTime;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * Keys that belong to no customer (admin only): {@code POST /v1/keys} with {@code {"scope": "ingest"}} issues an
 * ingest key, shown once; {@code DELETE /v1/keys/{key_id}} revokes it. Customer keys live under
 * {@code /v1/customers/{id}/keys}.
 */
public final class KeyRoutes {
    private final Authenticator auth;
    private final Access access;
    private final Requests requests;
    private final ObjectMapper json;

    public KeyRoutes(Authenticator auth, Access access, Requests requests, ObjectMapper json) {
        this.auth = auth;
        this.access = access;
        this.requests = requests;
        this.json = json;
    }

    public void register(RoutesConfig routes) {
        routes.post("/v1/keys", this::issue);
        routes.delete("/v1/keys/{key_id}", this::revoke);
    }

    private void issue(Context ctx) {
        access.requireAdmin(ctx);
        parseScope(requests.body(ctx));
        Authenticator.IssuedKey issued = auth.issueIngest();
        ObjectNode out = json.createObjectNode();
        out.put("id", issued.id());
        out.put("key", issued.key());
        out.put("scope", issued.scope().wireName());
        out.put("created_at", RecordedTime.format(issued.createdAt()));
        ctx.status(201).json(out);
    }

    /** The body names the scope, and only {@code ingest} is issued here. */
    private static void parseScope(JsonNode body) {
        Problems problems = new Problems();
        JsonFields f = new JsonFields(body, "", problems);
        if (!f.isObject()) {
            problems.add("body", "must be an object such as {\"scope\": \"ingest\"}, was " + JsonFields.describe(body));
        } else {
            String scope = f.text("scope", true);
            if (scope != null && !scope.equals(ApiKey.Scope.INGEST.wireName())) {
                problems.add("scope", "must be ingest (customer keys are issued by POST /v1/customers/{id}/keys), "
                        + "was \"" + scope + "\"");
            }
            f.rejectUnknown();
        }
        problems.throwIfAny("The key request is not valid; no key was issued");
    }

    private void revoke(Context ctx) {
        access.requireAdmin(ctx);
        String keyId = ctx.pathParam("key_id");
        if (!auth.revokeIngest(keyId)) {
            throw new NotFoundException("ingest key", keyId);
        }
        ctx.status(204);
    }
}
