package dev.tally.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.bounds.Bounds;
import dev.tally.core.event.EndUsers;
import dev.tally.core.problem.Problems;
import dev.tally.server.json.JsonErrors;
import io.javalin.http.Context;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.SortedMap;
import java.util.TreeMap;

/** Reading request bodies and query parameters, with 400s that name the parameter and the rule. */
public final class Requests {
    /** Default page size of lists. */
    public static final int DEFAULT_PAGE = 100;
    /** Largest page size of lists. */
    public static final int MAX_PAGE = 1000;

    private final ObjectMapper json;

    public Requests(ObjectMapper json) {
        this.json = json;
    }

    /** The body as a JSON tree; 415 if it is not sent as JSON ({@link BodyType}), 400 if it is empty or not JSON. */
    public JsonNode body(Context ctx) {
        BodyType.requireJson(ctx);
        return body(ctx.bodyAsBytes());
    }

    /**
     * A body already read, as a JSON tree; 400 if it is empty, not JSON, or has anything but whitespace after its one
     * JSON value (reading only the first value of {@code {ev1}{ev2}} would silently drop the second).
     */
    public JsonNode body(byte[] bytes) {
        if (bytes.length == 0) {
            throw HttpProblem.badRequest("body", "body: must be a JSON document, was empty");
        }
        try (JsonParser parser = json.createParser(bytes)) {
            JsonNode node = readTree(parser);
            if (node == null || node.isMissingNode()) {
                throw HttpProblem.badRequest("body", "body: must be a JSON document, was empty");
            }
            if (parser.nextToken() != null) {
                JsonLocation at = parser.currentTokenLocation();
                throw HttpProblem.badRequest("body", "body: must be exactly one JSON value, found more after it at "
                        + "line " + at.getLineNr() + ", column " + at.getColumnNr());
            }
            return node;
        } catch (JsonProcessingException e) {
            throw HttpProblem.badRequest("body", "body: is not valid JSON at " + JsonErrors.describe(e));
        } catch (IOException e) {
            throw HttpProblem.badRequest("body", "body: could not be read: " + e.getMessage());
        }
    }

    /** The tree of a body, or a 400 naming the field that holds a number no decimal can hold. */
    private JsonNode readTree(JsonParser parser) throws IOException {
        try {
            return json.readTree(parser);
        } catch (NumberFormatException e) {
            // The mapper throws this for an exponent beyond an int, such as 1.5e9999999999: no field accepts it.
            String field = fieldOf(parser.getParsingContext());
            throw HttpProblem.badRequest(field, field + ": must have at most " + Bounds.MAX_DIGITS + " digits before "
                    + "and after the decimal point, was " + Bounds.show(parser.getText()));
        }
    }

    /** The path of the value a parser is on, as problems name fields: {@code [2].usage.input_tokens}. */
    private static String fieldOf(JsonStreamContext context) {
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            parts.push(c.inArray() ? "[" + Math.max(0, c.getCurrentIndex()) + "]" : String.valueOf(c.getCurrentName()));
        }
        StringBuilder field = new StringBuilder();
        for (String part : parts) {
            field.append(part.startsWith("[") || field.length() == 0 ? "" : ".").append(part);
        }
        return field.length() == 0 ? "body" : field.toString();
    }

    /** {@code period}: {@code current} (or absent) is null; otherwise a {@code YYYY-MM} month. */
    public static YearMonth period(Context ctx) {
        String value = ctx.queryParam("period");
        if (value == null || value.equals("current")) {
            return null;
        }
        try {
            return YearMonth.parse(value);
        } catch (DateTimeParseException e) {
            throw HttpProblem.badRequest("period", "period: must be current or a month as YYYY-MM, was \""
                    + value + "\"");
        }
    }

    /** A whole-number query parameter in {@code [min, max]}, or the default when absent. */
    public static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
        String value = ctx.queryParam(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw HttpProblem.badRequest(name, name + ": must be a whole number from " + min + " to " + max
                + ", was \"" + value + "\"");
    }

    /** An ISO-8601 timestamp query parameter (a date {@code YYYY-MM-DD} means its start in UTC), or null. */
    public static Instant instantParam(Context ctx, String name) {
        return instantParam(ctx, name, java.time.ZoneOffset.UTC);
    }

    /**
     * An ISO-8601 timestamp query parameter, or null; a date {@code YYYY-MM-DD} means its start in {@code datesIn}
     * (a customer's days are its zone's).
     */
    public static Instant instantParam(Context ctx, String name, java.time.ZoneId datesIn) {
        String value = ctx.queryParam(name);
        if (value == null) {
            return null;
        }
        try {
            if (value.length() == 10) {
                return java.time.LocalDate.parse(value).atStartOfDay(datesIn).toInstant();
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw HttpProblem.badRequest(name, name + ": must be an ISO-8601 timestamp with an offset or a date "
                    + "YYYY-MM-DD, was \"" + value + "\"");
        }
    }

    /** The {@code user} query parameter (1 to 128 characters), or null. */
    public static String userParam(Context ctx) {
        String value = ctx.queryParam("user");
        if (value != null && !EndUsers.isValidUser(value)) {
            throw HttpProblem.badRequest("user", "user: must be 1 to " + EndUsers.MAX_USER_CHARS
                    + " characters, was " + value.length());
        }
        return value;
    }

    /** The {@code dimension.KEY=VALUE} query parameters, checked like an event's dimensions; empty for none. */
    public static SortedMap<String, String> dimensionParams(Context ctx) {
        TreeMap<String, String> dimensions = new TreeMap<>();
        ctx.queryParamMap().forEach((name, values) -> {
            if (name.startsWith("dimension.")) {
                dimensions.put(name.substring("dimension.".length()), values.get(0));
            }
        });
        Problems problems = new Problems();
        EndUsers.checkDimensions("dimension", dimensions, problems);
        problems.throwIfAny("The dimension filter is not valid");
        return dimensions;
    }

    /** A boolean query parameter: {@code true} or {@code false}, default false. */
    public static boolean boolParam(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw HttpProblem.badRequest(name, name + ": must be true or false, was \"" + value + "\"");
    }

    /** One of the allowed values, or the first allowed value when absent. */
    public static String choice(Context ctx, String name, String... allowed) {
        String value = ctx.queryParam(name);
        if (value == null) {
            return allowed[0];
        }
        for (String a : allowed) {
            if (a.equals(value)) {
                return value;
            }
        }
        throw HttpProblem.badRequest(name, name + ": must be one of " + String.join(", ", allowed) + ", was \""
                + value + "\"");
    }
}
