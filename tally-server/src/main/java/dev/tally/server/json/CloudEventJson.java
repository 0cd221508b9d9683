package dev.tally.server.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.event.CloudEventAttributes;
import dev.tally.core.event.StoredEvent;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.core.problem.FieldError;
import dev.tally.core.problem.Problems;

import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * CloudEvents 1.0 in the JSON event format (structured mode), read into the same candidates as plain events.
 *
 * <p>The envelope maps onto a plain event: {@code id} is its id, {@code subject} its customer, {@code time} its
 * timestamp, and {@code data} (a JSON object) holds its other fields, read by {@link EventJson} so that both forms
 * share one definition of what is valid. {@code source}, {@code type}, {@code dataschema} and the extension
 * attributes are kept with the event ({@link CloudEventAttributes}); the store's idempotency key is
 * {@code (id, source)}. Problems name the CloudEvents attribute ({@code subject}, {@code time},
 * {@code data.usage.input_tokens}), never the plain field it maps to.
 *
 * <p>Not taken: {@code data_base64} (binary data: usage must be JSON) and a {@code datacontenttype} other than JSON.
 * Extension values are what the JSON format allows for them: strings, booleans and 32-bit integers.
 *
 * <p>Why not the CloudEvents Java SDK: reading through it and then mapping its {@code CloudEvent} to a usage event
 * cost 1.7-1.9 times this class's CPU and 40% more allocation ({@code CloudEventParseBenchmark}, docs/benchmarks.md
 * section 3b); it has no batch format, and it throws at the first problem where the contract names every one. The
 * SDK is the client of the tests instead, so the JSON it writes is what they prove this class takes.
 */
public final class CloudEventJson {
    /** The only CloudEvents version read. */
    public static final String SPEC_VERSION = "1.0";
    /** The longest {@code source}: a URI-reference, longer than plain text fields. */
    static final int MAX_SOURCE_CHARS = 1_024;
    /** The most characters {@code dataschema} and the extension attributes may take as JSON. */
    static final int MAX_ATTRIBUTES_CHARS = 8_192;
    /** Attribute names: lower-case ASCII letters and digits (CloudEvents 1.0, "Attribute Naming Convention"). */
    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-z0-9]{1,64}");
    /** The attributes this class reads itself; any other valid name is an extension. */
    private static final Set<String> CONTEXT = Set.of("specversion", "id", "source", "type", "subject", "time",
            "datacontenttype", "dataschema", "data", "data_base64");
    /** Plain-event fields that come from the envelope, so {@code data} may not carry them. */
    private static final Map<String, String> ENVELOPE_FIELDS = Map.of("id", "id", "customer", "subject",
            "timestamp", "time");

    private final EventJson events;
    private final ObjectMapper json;

    public CloudEventJson(EventJson events, ObjectMapper json) {
        this.events = events;
        this.json = json;
    }

    /** Parses one CloudEvent of a request; problems make it an invalid candidate, never an exception. */
    public EventCandidate parse(int index, JsonNode node, Instant now) {
        Problems problems = new Problems();
        if (node == null || !node.isObject()) {
            problems.add("body", "must be a CloudEvent (a JSON object), was " + JsonFields.describe(node));
            return EventCandidate.invalid(index, null, problems.list());
        }
        JsonFields f = new JsonFields(node, "", problems);
        String specVersion = f.text("specversion", true);
        if (specVersion != null && !specVersion.equals(SPEC_VERSION)) {
            problems.add("specversion", "must be \"" + SPEC_VERSION + "\", was \"" + specVersion + "\"");
        }
        String id = f.text("id", true);
        String source = boundedText(f, "source", MAX_SOURCE_CHARS, problems);
        String type = f.text("type", true);
        f.text("subject", true); // the customer: the same rules as a plain event's, checked before data's
        dataContentType(f.raw("datacontenttype"), problems);
        if (f.raw("data_base64") != null) {
            problems.add("data_base64", "binary data is not taken; send the usage as a JSON object in data");
        }
        String attributes = attributes(node, f.raw("dataschema"), problems);
        ObjectNode plain = plainEvent(node, f.raw("data"), problems);
        if (!problems.isEmpty()) {
            return EventCandidate.invalid(index, id, problems.list());
        }
        EventCandidate parsed = events.parse(index, plain, now);
        if (parsed.event() == null) {
            return EventCandidate.invalid(index, id, renamed(parsed.errors()));
        }
        return EventCandidate.valid(index, id,
                parsed.event().withCloudEvent(new CloudEventAttributes(source, type, attributes)));
    }

    /** The plain event the envelope stands for: data's fields plus id, customer and timestamp. */
    private ObjectNode plainEvent(JsonNode envelope, JsonNode data, Problems problems) {
        ObjectNode plain = json.createObjectNode();
        if (data != null && !data.isObject()) {
            problems.add("data", "must be a JSON object of the event's fields, was " + JsonFields.describe(data));
        } else if (data != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = data.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String attribute = ENVELOPE_FIELDS.get(field.getKey());
                if (attribute != null) {
                    problems.add("data." + field.getKey(), "is not taken in data; a CloudEvent carries it as "
                            + attribute);
                } else {
                    plain.set(field.getKey(), field.getValue());
                }
            }
        }
        copy(envelope, "id", plain, "id");
        copy(envelope, "subject", plain, "customer");
        copy(envelope, "time", plain, "timestamp");
        return plain;
    }

    private static void copy(JsonNode from, String name, ObjectNode to, String as) {
        JsonNode value = from.get(name);
        if (value != null) {
            to.set(as, value);
        }
    }

    /**
     * {@code dataschema} and the extension attributes as a JSON object text, or null when there are none. Records
     * a problem for a name that is no CloudEvents attribute name and a value of a type the JSON format does not
     * give extensions.
     */
    private String attributes(JsonNode envelope, JsonNode dataSchema, Problems problems) {
        ObjectNode kept = json.createObjectNode();
        if (dataSchema != null) {
            if (dataSchema.isTextual() && !dataSchema.asText().isEmpty()) {
                kept.set("dataschema", dataSchema);
            } else {
                problems.add("dataschema", "must be a non-empty URI string, was " + JsonFields.describe(dataSchema));
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = envelope.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode value = e.getValue();
            if (CONTEXT.contains(name) || value.isNull()) {
                continue; // JSON null is an absent attribute (CloudEvents JSON format, 2.4)
            }
            if (!ATTRIBUTE_NAME.matcher(name).matches()) {
                problems.add(name, "is not a CloudEvents attribute: extension names are 1 to 64 lower-case "
                        + "letters a-z and digits 0-9");
            } else if (value.isTextual() || value.isBoolean() || value.isInt()) {
                kept.set(name, value);
            } else {
                problems.add(name, "an extension attribute must be a string, a boolean or a 32-bit integer, was "
                        + JsonFields.describe(value));
            }
        }
        if (kept.isEmpty()) {
            return null;
        }
        String text = kept.toString();
        if (text.length() > MAX_ATTRIBUTES_CHARS) {
            problems.add("extensions", "dataschema and the extension attributes must be at most "
                    + MAX_ATTRIBUTES_CHARS + " characters as JSON, were " + text.length());
            return null;
        }
        return text;
    }

    /** {@code datacontenttype}, when present, must say JSON: {@code data} is read as a JSON object. */
    private static void dataContentType(JsonNode value, Problems problems) {
        if (value == null) {
            return;
        }
        String type = value.isTextual() ? value.asText() : "";
        String media = type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (!media.equals("application/json") && !(media.startsWith("application/") && media.endsWith("+json"))) {
            problems.add("datacontenttype", "must be application/json (data is read as a JSON object), was "
                    + JsonFields.describe(value));
        }
    }

    private static String boundedText(JsonFields f, String name, int maxChars, Problems problems) {
        JsonNode value = f.raw(name);
        if (value == null) {
            problems.add(name, "is required");
            return null;
        }
        if (!value.isTextual() || value.asText().isEmpty() || value.asText().length() > maxChars) {
            problems.add(name, "must be a string of 1 to " + maxChars + " characters, was "
                    + JsonFields.describe(value));
            return null;
        }
        return value.asText();
    }

    /** Problems of the plain event, named as the CloudEvent's attributes and data fields. */
    private static List<FieldError> renamed(List<FieldError> plainErrors) {
        Problems problems = new Problems();
        for (FieldError e : plainErrors) {
            String rule = e.message().startsWith(e.field() + ": ")
                    ? e.message().substring(e.field().length() + 2) : e.message();
            problems.add(attributeOf(e.field()), rule);
        }
        return problems.list();
    }

    private static String attributeOf(String plainField) {
        return switch (plainField) {
            case "id" -> "id";
            case "customer" -> "subject";
            case "timestamp" -> "time";
            case "body" -> "data";
            default -> "data." + plainField;
        };
    }

    /**
     * Writes the CloudEvents context of a stored event for the itemized log: {@code {"source", "type",
     * "attributes"}}, or JSON null for a plain event.
     */
    public static JsonNode write(StoredEvent stored, ObjectMapper json) {
        CloudEventAttributes ce = stored.event().cloudEvent();
        if (ce == null) {
            return json.nullNode();
        }
        ObjectNode out = json.createObjectNode();
        out.put("specversion", SPEC_VERSION);
        out.put("source", ce.source());
        out.put("type", ce.type());
        if (ce.attributesJson() == null) {
            out.putObject("attributes");
        } else {
            try {
                out.set("attributes", json.readTree(ce.attributesJson()));
            } catch (java.io.IOException e) {
                out.put("attributes", ce.attributesJson()); // written by this class, so never expected
            }
        }
        return out;
    }
}
