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
import io.javalin.http.ExceptionHandler;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;

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

    /** The error types mapped here, most specific first (Javalin picks the closest registered type). */
    private static final List<Class<? extends Exception>> MAPPED = List.of(ValidationException.class,
            NotFoundException.class, ConflictException.class, UnavailableException.class, StoreException.class,
            HttpProblem.class, HttpResponseException.class, Exception.class);

    /** Registers the mapping on a Javalin app's routes. */
    public void register(RoutesConfig routes) {
        ExceptionHandler<Exception> answer = (e, ctx) -> write(ctx, of(e, ctx.method().name(), ctx.path()));
        MAPPED.forEach(type -> routes.exception(type, answer));
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
     * What an error answers. A failure seen through a future ({@link CompletionException}) is its cause.
     *
     * @param method the request's method and {@code path} its path, named in the log of an unexpected error
     */
    public Problem of(Throwable error, String method, String path) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof ValidationException v) {
            return new Problem(400, "validation", "Invalid request", v.getMessage(), v.errors(), false);
        } else if (e instanceof NotFoundException) {
            return new Problem(404, "not-found", "Not found", e.getMessage(), List.of(), false);
        } else if (e instanceof ConflictException) {
            return new Problem(409, "conflict", "Conflict", e.getMessage(), List.of(), false);
        } else if (e instanceof UnavailableException) {
            LOG.warn("Unavailable: {}", e.getMessage(), e.getCause());
            return new Problem(503, "unavailable", "Service unavailable", e.getMessage(), List.of(), true);
        } else if (e instanceof StoreException) {
            LOG.error("Store failure", e);
            return new Problem(503, "unavailable", "Service unavailable", "the store is not available; retry shortly",
                    List.of(), true);
        } else if (e instanceof HttpProblem p) {
            return new Problem(p.status(), p.status() == 400 ? "validation" : slug(p.title()), p.title(),
                    p.getMessage(), p.errors(), false);
        } else if (e instanceof HttpResponseException r) {
            return javalinProblem(r.getStatus(), r.getMessage());
        }
        String id = UUID.randomUUID().toString();
        // Logged once: a log that fails (a class gone from a rewritten jar) must not fail this answer.
        FatalErrors.report(LOG::error, System.err, "Unexpected error " + id + " on " + method + " " + path, e);
        return new Problem(500, "internal", "Internal error",
                "an unexpected error occurred; it was logged with id " + id, List.of(), false);
    }

    /**
     * An answer Javalin itself decided (a body over the size limit, a framework 400, 404 or 405) as one of the
     * documented problem types; any other status keeps its code and is typed by its standard reason phrase.
     */
    private static Problem javalinProblem(int status, String detail) {
        return switch (status) {
            case 400 -> new Problem(400, "validation", "Invalid request", detail, List.of(), false);
            case 404 -> new Problem(404, "not-found", "Not found", detail, List.of(), false);
            case 405 -> new Problem(405, "method-not-allowed", "Method not allowed", detail, List.of(), false);
            case 413 -> new Problem(413, "payload-too-large", "Payload too large", detail, List.of(), false);
            default -> {
                String title = HttpStatus.forStatus(status).getMessage();
                yield new Problem(status, slug(title), title, detail, List.of(), false);
            }
        };
    }

    /**
     * A problem answer.
     *
     * @param type  the last part of its type URI
     * @param retry whether to tell the client to retry after a second ({@code Retry-After: 1})
     */
    public record Problem(int status, String type, String title, String detail, List<FieldError> errors,
                          boolean retry) {
    }

    private void write(Context ctx, Problem p) {
        if (p.retry()) {
            ctx.header("Retry-After", "1");
        }
        write(ctx, p.status(), p.type(), p.title(), p.detail(), p.errors());
    }

    /** Writes a problem answer on a request answered before Javalin ({@link DirectRoutes}). */
    void write(Response response, Callback callback, Problem p) {
        byte[] body = body(p.status(), p.type(), p.title(), p.detail(), p.errors()).getBytes(StandardCharsets.UTF_8);
        response.setStatus(p.status());
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
        if (p.retry()) {
            headers.put(HttpHeader.RETRY_AFTER, "1");
        }
        headers.put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
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
