package dev.tally.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.problem.ConflictException;
import dev.tally.core.problem.FieldError;
import dev.tally.core.problem.NotFoundException;
import dev.tally.core.problem.UnavailableException;
import dev.tally.core.problem.ValidationException;
import dev.tally.core.store.StoreException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;

/**
 * The one place where errors become HTTP answers: RFC 9457 problem JSON ({@code type, title, status, detail,
 * errors[]}) with the status code of the error's category. Clients never see a stack trace; unexpected errors are
 * logged with an id that the answer names.
 */
public final class ProblemMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemMapper.class);
    private static final String TYPE_BASE = "https://tally.dev/problems/";
    /** The media type of every problem answer. */
    public static final String CONTENT_TYPE = "application/problem+json";

    private final ObjectMapper json;

    public ProblemMapper(ObjectMapper json) {
        this.json = json;
    }

    /** Registers the mapping on a Javalin app's routes. */
    public void register(RoutesConfig routes) {
        routes.exception(ValidationException.class, (e, ctx) ->
                write(ctx, 400, "validation", "Invalid request", e.getMessage(), e.errors()));
        routes.exception(NotFoundException.class, (e, ctx) ->
                write(ctx, 404, "not-found", "Not found", e.getMessage(), List.of()));
        routes.exception(ConflictException.class, (e, ctx) ->
                write(ctx, 409, "conflict", "Conflict", e.getMessage(), List.of()));
        routes.exception(UnavailableException.class, (e, ctx) -> {
            LOG.warn("Unavailable: {}", e.getMessage(), e.getCause());
            ctx.header("Retry-After", "1");
            write(ctx, 503, "unavailable", "Service unavailable", e.getMessage(), List.of());
        });
        routes.exception(StoreException.class, (e, ctx) -> {
            LOG.error("Store failure", e);
            ctx.header("Retry-After", "1");
            write(ctx, 503, "unavailable", "Service unavailable", "the store is not available; retry shortly",
                    List.of());
        });
        routes.exception(HttpProblem.class, (e, ctx) ->
                write(ctx, e.status(), e.status() == 400 ? "validation" : slug(e.title()), e.title(),
                        e.getMessage(), e.errors()));
        routes.exception(HttpResponseException.class, (e, ctx) ->
                javalinProblem(ctx, e.getStatus(), e.getMessage()));
        routes.exception(Exception.class, (e, ctx) -> {
            String id = UUID.randomUUID().toString();
            // Logged once: a log that fails (a class gone from a rewritten jar) must not fail this answer.
            FatalErrors.report(LOG::error, System.err,
                    "Unexpected error " + id + " on " + ctx.method() + " " + ctx.path(), e);
            write(ctx, 500, "internal", "Internal error",
                    "an unexpected error occurred; it was logged with id " + id, List.of());
        });
        routes.error(404, "*", ctx -> {
            if (!isProblem(ctx)) {
                write(ctx, 404, "not-found", "Not found", "no such resource: " + ctx.path(), List.of());
            }
        });
        routes.error(405, "*", ctx -> {
            if (!isProblem(ctx)) {
                write(ctx, 405, "method-not-allowed", "Method not allowed",
                        ctx.method() + " is not allowed on " + ctx.path(), List.of());
            }
        });
    }

    /**
     * An answer Javalin itself decided (a body over the size limit, a framework 400, 404 or 405) as one of the
     * documented problem types; any other status keeps its code and is typed by its standard reason phrase.
     */
    private void javalinProblem(Context ctx, int status, String detail) {
        switch (status) {
            case 400 -> write(ctx, 400, "validation", "Invalid request", detail, List.of());
            case 404 -> write(ctx, 404, "not-found", "Not found", detail, List.of());
            case 405 -> write(ctx, 405, "method-not-allowed", "Method not allowed", detail, List.of());
            case 413 -> write(ctx, 413, "payload-too-large", "Payload too large", detail, List.of());
            default -> {
                String title = HttpStatus.forStatus(status).getMessage();
                write(ctx, status, slug(title), title, detail, List.of());
            }
        }
    }

    private static boolean isProblem(Context ctx) {
        String type = ctx.res().getContentType();
        return type != null && type.startsWith("application/problem+json");
    }

    /** Writes a problem answer. */
    public void write(Context ctx, int status, String type, String title, String detail, List<FieldError> errors) {
        ctx.status(status).contentType(CONTENT_TYPE).result(body(status, type, title, detail, errors));
    }

    /** The problem JSON of an answer, for the few answers written before a request reaches Javalin. */
    public String body(int status, String type, String title, String detail, List<FieldError> errors) {
        ObjectNode body = json.createObjectNode();
        body.put("type", TYPE_BASE + type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        ArrayNode list = body.putArray("errors");
        for (FieldError error : errors) {
            list.addObject().put("field", error.field()).put("message", error.message());
        }
        return body.toString();
    }

    private static String slug(String title) {
        return title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
}
