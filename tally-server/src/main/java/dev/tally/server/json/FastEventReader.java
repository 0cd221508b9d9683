package dev.tally.server.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tally.core.bounds.Bounds;
import dev.tally.core.event.EndUsers;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.core.ingest.EventIds;
import dev.tally.core.metric.Metrics;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Reads a batch of well-formed events straight from the request bytes, without building a JSON tree: the tree
 * (an ordered map per event, with duplicate-key bookkeeping) was about half the request threads' cost of ingesting.
 *
 * <p>It only answers when it is sure: for a body that is one event, an array of events or {@code {"events": [...]}}
 * in which every event is valid, has only contract fields of the plain types, and no {@code metadata}. Anything else
 * (a field of another type, a value out of range, a duplicate or unknown key, invalid JSON) makes it
 * return {@code null}, and {@link EventJson} reads the body as a tree and finds and words the problems, so there is
 * exactly one definition of what is wrong. For the bodies it accepts, it returns what {@link EventJson#parse} would
 * ({@code FastEventReaderTest} checks both on random batches).
 */
public final class FastEventReader {
    /** {@link #whole}'s answer for a value that is not a whole number in range. */
    private static final long INVALID = Long.MIN_VALUE;
    /** What a {@code status} or {@code latency_ms} not sent is while reading. */
    private static final long ABSENT = -1;

    /** The boxed HTTP statuses 100 to 599, made once: {@code Integer.valueOf} boxes anew above 127. */
    private static final Integer[] STATUSES = new Integer[500];

    static {
        for (int i = 0; i < STATUSES.length; i++) {
            STATUSES[i] = 100 + i;
        }
    }

    /** A factory without duplicate detection: this reader notices repeated keys itself. */
    private final JsonFactory factory = JsonFactory.builder().build();
    /** Customer ids, providers, models, endpoints and end users, shared by the events that repeat them. */
    private final RepeatedStrings repeated = new RepeatedStrings();

    /**
     * The candidates of a batch body, all valid; or null when {@link EventJson} must read it.
     *
     * @param maxEvents more events than this also answer null (the tree path refuses them with 413)
     */
    public List<EventCandidate> read(byte[] body, Instant now, int maxEvents) {
        try (JsonParser p = factory.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == JsonToken.START_OBJECT) {
                if (p.nextToken() != JsonToken.FIELD_NAME) {
                    return null;
                }
                if (!"events".equals(p.currentName())) {
                    return single(p, now);
                }
                if (p.nextToken() != JsonToken.START_ARRAY) {
                    return null;
                }
            } else if (first != JsonToken.START_ARRAY) {
                return null;
            }
            List<EventCandidate> events = new ArrayList<>();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                if (events.size() == maxEvents) {
                    return null;
                }
                EventCandidate event = event(p, events.size(), now);
                if (event == null) {
                    return null;
                }
                events.add(event);
            }
            if (t != JsonToken.END_ARRAY || events.isEmpty()) {
                return null;
            }
            if (first == JsonToken.START_OBJECT && p.nextToken() != JsonToken.END_OBJECT) {
                return null;
            }
            return p.nextToken() == null ? events : null;
        } catch (IOException | RuntimeException e) {
            return null; // invalid JSON, numbers out of range, bad timestamps: the tree path says what is wrong
        }
    }

    /**
     * A body that is one event object (what most clients send, one event per call), the parser on its first field
     * name; null unless it is valid and plain and nothing follows it.
     */
    private List<EventCandidate> single(JsonParser p, Instant now) throws IOException {
        EventCandidate event = fields(p, p.currentToken(), 0, now);
        return event != null && p.nextToken() == null ? List.of(event) : null;
    }

    /** One event object, the parser on its START_OBJECT; null unless it is valid and plain. */
    private EventCandidate event(JsonParser p, int index, Instant now) throws IOException {
        return fields(p, p.nextToken(), index, now);
    }

    /** The fields of one event object from {@code t}, its first field name (or its end); null unless valid and plain. */
    private EventCandidate fields(JsonParser p, JsonToken t, int index, Instant now) throws IOException {
        String id = null, customer = null, provider = null, model = null, endpoint = null, method = null;
        String user = null, reservation = null;
        Instant timestamp = null;
        long status = ABSENT, latency = ABSENT;
        TreeMap<String, Long> usage = new TreeMap<>();
        TreeMap<String, String> dimensions = null;
        Money cost = null;
        int seen = 0;
        for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            int bit = bit(name);
            if (bit == 0 || (seen & bit) != 0) {
                return null; // unknown or repeated
            }
            seen |= bit;
            if (v == JsonToken.VALUE_NULL) {
                continue; // as absent, like the tree path
            }
            // Each value must be of its plain type and valid; anything else goes to the tree path.
            boolean taken = switch (name) {
                case "id" -> (id = text(p, v)) != null;
                case "customer" -> (customer = repeatedText(p, v)) != null;
                case "provider" -> (provider = repeatedText(p, v)) != null;
                case "model" -> (model = repeatedText(p, v)) != null;
                case "endpoint" -> (endpoint = repeatedText(p, v)) != null;
                case "method" -> (method = repeatedText(p, v)) != null;
                case "user" -> (user = repeatedText(p, v)) != null && EndUsers.isValidUser(user);
                case "dimensions" -> (dimensions = dimensions(p, v)) != null;
                case "reservation" -> (reservation = text(p, v)) != null;
                case "timestamp" -> v == JsonToken.VALUE_STRING && (timestamp = Timestamps.parse(
                        p.getTextCharacters(), p.getTextOffset(), p.getTextLength())) != null;
                case "status" -> (status = whole(p, v, 100, 599)) != INVALID;
                case "latency_ms" -> (latency = whole(p, v, 0, 86_400_000L)) != INVALID;
                case "cost" -> v == JsonToken.VALUE_STRING && (cost = Money.parseEventCost(p.getText())) != null;
                case "usage" -> (usage = usage(p, v)) != null;
                default -> false; // metadata: the tree path keeps its JSON text
            };
            if (!taken) {
                return null;
            }
        }
        if (t != JsonToken.END_OBJECT || customer == null) {
            return null;
        }
        UsageEvent event = new UsageEvent(id == null ? EventIds.generate(now) : id, customer,
                timestamp == null ? now : timestamp, provider, model, endpoint, method,
                status == ABSENT ? null : STATUSES[(int) status - 100], latency == ABSENT ? null : latency, user, usage,
                cost, reservation, null, null, dimensions);
        return EventCandidate.valid(index, id, event);
    }

    private static int bit(String name) {
        return switch (name) {
            case "id" -> 1;
            case "customer" -> 1 << 1;
            case "timestamp" -> 1 << 2;
            case "provider" -> 1 << 3;
            case "model" -> 1 << 4;
            case "endpoint" -> 1 << 5;
            case "method" -> 1 << 6;
            case "status" -> 1 << 7;
            case "latency_ms" -> 1 << 8;
            case "user" -> 1 << 9;
            case "usage" -> 1 << 10;
            case "cost" -> 1 << 11;
            case "reservation" -> 1 << 12;
            case "metadata" -> 1 << 13;
            case "dimensions" -> 1 << 14;
            default -> 0;
        };
    }

    /** A string of 1 to {@link JsonFields#MAX_TEXT} characters, else null. */
    private static String text(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            return null;
        }
        String text = p.getText();
        return text.isEmpty() || text.length() > JsonFields.MAX_TEXT ? null : text;
    }

    /**
     * A JSON integer in {@code [min, max]} ({@code min >= 0}), else {@link #INVALID} (whole numbers written with a
     * fraction go the tree path). A primitive, not a boxed {@code Long}: two boxes an event were garbage.
     */
    private static long whole(JsonParser p, JsonToken v, long min, long max) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            return INVALID;
        }
        long n = p.getLongValue();
        return n >= min && n <= max ? n : INVALID;
    }

    /**
     * Like {@link #text}, for a value that events repeat: the string is taken from {@link #repeated}, made from the
     * parser's characters without a string of its own when an equal one is held.
     */
    private String repeatedText(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            return null;
        }
        int length = p.getTextLength();
        if (length == 0 || length > JsonFields.MAX_TEXT) {
            return null;
        }
        return repeated.of(p.getTextCharacters(), p.getTextOffset(), length);
    }

    /** The dimensions object when every key and value is valid, else null. */
    private TreeMap<String, String> dimensions(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            return null;
        }
        TreeMap<String, String> dimensions = new TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING || !EndUsers.isValidKey(key)) {
                return null;
            }
            String value = repeated.of(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            if (!EndUsers.isValidValue(value) || dimensions.put(key, value) != null
                    || dimensions.size() > EndUsers.MAX_DIMENSIONS) {
                return null;
            }
        }
        return dimensions;
    }

    /** The usage object as micros by metric, else null. */
    private static TreeMap<String, Long> usage(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            return null;
        }
        TreeMap<String, Long> usage = new TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String metric = p.currentName();
            JsonToken value = p.nextToken();
            if (Metrics.DERIVED.contains(metric) || !Metrics.isValidName(metric)) {
                return null;
            }
            long micros;
            if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                long units = p.getLongValue();
                if (units < 0 || units > Bounds.MAX_QUANTITY_UNITS) {
                    return null;
                }
                micros = Quantity.ofUnits(units);
            } else if (value == JsonToken.VALUE_NUMBER_FLOAT) {
                BigDecimal quantity = p.getDecimalValue();
                if (Metrics.isInteger(metric) && quantity.stripTrailingZeros().scale() > 0) {
                    return null;
                }
                micros = Quantity.eventMicros(quantity);
            } else {
                return null;
            }
            if (usage.put(metric, micros) != null || usage.size() > EventJson.MAX_USAGE_METRICS) {
                return null;
            }
        }
        return usage;
    }
}
