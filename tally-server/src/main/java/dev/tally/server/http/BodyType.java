package dev.tally.server.http;

import dev.tally.core.problem.FieldError;
import io.javalin.http.Context;

import java.util.List;
import java.util.Locale;

/**
 * How a request body is read, told by its {@code Content-Type}. JSON bodies are taken as {@code application/json},
 * with no content type, or as {@code application/x-www-form-urlencoded} (what {@code curl -d} sends, so the curl
 * habit keeps working); {@code POST /v1/events} also takes CloudEvents in structured mode. Any other content type
 * answers 415, so a body is never read as something its sender did not say it was. Parameters such as
 * {@code charset} are ignored: JSON is UTF-8.
 */
public enum BodyType {
    /** A plain JSON document. */
    JSON,
    /** One CloudEvent in the JSON event format: {@code application/cloudevents+json}. */
    CLOUDEVENT,
    /** A JSON array of CloudEvents: {@code application/cloudevents-batch+json}. */
    CLOUDEVENT_BATCH;

    private static final String PLAIN_TYPES = "application/json (or no Content-Type, or "
            + "application/x-www-form-urlencoded as curl -d sends)";
    private static final String EVENT_TYPES = PLAIN_TYPES + ", application/cloudevents+json or "
            + "application/cloudevents-batch+json";

    /** Checks that a JSON route's body is sent as JSON; 415 otherwise. */
    public static void requireJson(Context ctx) {
        if (of(ctx.contentType()) != JSON) {
            throw unsupported(ctx, PLAIN_TYPES, "application/json");
        }
    }

    /**
     * The type of a {@code POST /v1/events} body: 415 for a content type that is neither JSON nor CloudEvents, and
     * 400 for CloudEvents binary mode ({@code ce-*} headers), which is not taken: read as plain JSON, its data would
     * lose the event's source, type and idempotency key without a word.
     */
    public static BodyType ofEvents(Context ctx) {
        BodyType type = of(ctx.contentType());
        if (type == null) {
            throw unsupported(ctx, EVENT_TYPES,
                    "application/json, application/cloudevents+json, application/cloudevents-batch+json");
        }
        if (type == JSON && ctx.header("ce-specversion") != null) {
            throw HttpProblem.badRequest("ce-specversion", "ce-specversion: CloudEvents binary mode (ce-* headers) "
                    + "is not taken; send the whole CloudEvent as the body with Content-Type: "
                    + "application/cloudevents+json (structured mode)");
        }
        return type;
    }

    /** The type a {@code Content-Type} header names, or null when no body type is read from it. */
    static BodyType of(String contentType) {
        if (contentType == null || contentType.equals("application/json")) {
            return JSON; // nearly every request: no parsing, no allocation on the authorize and ingest paths
        }
        int semicolon = contentType.indexOf(';');
        String media = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim()
                .toLowerCase(Locale.ROOT);
        return switch (media) {
            case "", "application/json", "application/x-www-form-urlencoded" -> JSON;
            case "application/cloudevents+json" -> CLOUDEVENT;
            case "application/cloudevents-batch+json" -> CLOUDEVENT_BATCH;
            default -> null;
        };
    }

    private static HttpProblem unsupported(Context ctx, String accepted, String acceptPost) {
        ctx.header("Accept-Post", acceptPost);
        String message = "Content-Type: must be " + accepted + ", was \"" + ctx.contentType() + "\"";
        return new HttpProblem(415, "Unsupported media type", message,
                List.of(new FieldError("Content-Type", message)));
    }
}
