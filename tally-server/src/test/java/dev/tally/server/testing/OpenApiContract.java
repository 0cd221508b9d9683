package dev.tally.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import dev.tally.server.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The server's {@code openapi.yaml} as a test oracle: every answer a test receives is held against it (the status is
 * documented for the path and method, the content type is one the document names, and a JSON body validates against
 * the response's schema with JSON Schema 2020-12). A mismatch is an {@link AssertionError}, so it fails the test that
 * made the request and the document can never drift from what the server really answers.
 *
 * <p>Rules beyond the per-operation responses, stated in the document's description: a path the document does not
 * list answers its {@code NotFound} response, a method it does not list on a listed path its
 * {@code MethodNotAllowed} response, and {@code HEAD} answers like {@code GET} without a body. Static files under
 * {@code /assets/} and {@code /webjars/} are not part of the API and are not checked.
 */
public final class OpenApiContract {
    /** The base IRI the document is registered under, so that {@code $ref}s inside it resolve. */
    private static final String DOCUMENT_IRI = "https://tally.dev/openapi.json";
    private static final int BODY_SHOWN = 1_500;
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");
    /**
     * Where to list mismatches instead of failing ({@code -Dtally.openapi.survey=FILE}), to see every disagreement
     * of a whole suite in one run while the document is being corrected. Unset in normal runs: any mismatch fails.
     */
    private static final Path SURVEY = Optional.ofNullable(System.getProperty("tally.openapi.survey"))
            .map(Path::of).orElse(null);
    private static final OpenApiContract INSTANCE = load();

    private final JsonNode document;
    private final List<PathTemplate> paths;
    private final SchemaRegistry registry;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    private final ObjectMapper json = Json.mapper();

    private OpenApiContract(JsonNode document) {
        this.document = document;
        List<PathTemplate> templates = new ArrayList<>();
        document.get("paths").fieldNames().forEachRemaining(p -> templates.add(PathTemplate.of(p)));
        // A literal segment beats a parameter: /v1/me/usage is not /v1/customers/{id}/usage's sibling by accident.
        templates.sort(Comparator.comparingInt(PathTemplate::parameters));
        this.paths = List.copyOf(templates);
        String text = document.toString();
        this.registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, builder -> builder
                .schemas(Map.of(DOCUMENT_IRI, text))
                .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    }

    /** The document of the server's resources, read once. */
    public static OpenApiContract get() {
        return INSTANCE;
    }

    /** The document as JSON. */
    public JsonNode document() {
        return document;
    }

    /** Every documented operation as {@code "METHOD /path/{param}"}. */
    public Set<String> operations() {
        Set<String> out = new TreeSet<>();
        document.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (METHODS.contains(m)) {
                out.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
            }
        }));
        return out;
    }

    /** Checks an answer of the JDK's HTTP client (the request's method and URI say what was asked). */
    public void check(HttpResponse<String> response) {
        check(response.request().method(), response.uri().getRawPath(), response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(""), response.body(),
                name -> response.headers().firstValue(name));
    }

    /**
     * Checks an answer read off a raw socket ({@code HTTP/1.1 <status> ...}, headers, a blank line, the body with a
     * {@code Content-Length}), for tests that speak HTTP by hand.
     */
    public void checkRaw(String method, String path, String answer) {
        int end = answer.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new AssertionError(method + " " + path + ": not an HTTP answer: " + answer);
        }
        String[] lines = answer.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ", 3)[1]);
        Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.putIfAbsent(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
        }
        check(method, path, status, headers.getOrDefault("Content-Type", ""), answer.substring(end + 4),
                name -> Optional.ofNullable(headers.get(name)));
    }

    /**
     * Checks one answer; throws an {@link AssertionError} naming the request, the rule broken and the body when it
     * is not what the document describes.
     *
     * @param path the request path, without the query
     */
    public void check(String method, String path, int status, String contentType, String body) {
        check(method, path, status, contentType, body, null);
    }

    /**
     * Like {@link #check(String, String, int, String, String)}, also requiring every header the document marks
     * {@code required} for the answer.
     *
     * @param headers the answer's headers by name (case-insensitive), or null not to check headers
     */
    public void check(String method, String path, int status, String contentType, String body,
                      Function<String, Optional<String>> headers) {
        if (path.startsWith("/assets/") || path.startsWith("/webjars/")) {
            return;
        }
        String where = method + " " + path + " -> " + status + " " + contentType;
        String broken = mismatch(method.toLowerCase(Locale.ROOT), path, status, contentType, body, headers);
        if (broken == null) {
            return;
        }
        String message = "The answer does not match openapi.yaml: " + where + ": " + broken + "\n" + shown(body);
        if (SURVEY != null) {
            survey(message);
            return;
        }
        throw new AssertionError(message);
    }

    /** What about the answer breaks the document, or null when nothing does. */
    private String mismatch(String verb, String path, int status, String contentType, String body,
                            Function<String, Optional<String>> headers) {
        Optional<PathTemplate> template = paths.stream().filter(t -> t.matches(path)).findFirst();
        String pointer;
        if (template.isEmpty()) {
            if (status != 404) {
                return "the path is not in openapi.yaml, so the answer must be its 404";
            }
            pointer = "/components/responses/NotFound";
        } else {
            JsonNode item = document.get("paths").get(template.get().text());
            String operation = verb.equals("head") && !item.has("head") ? "get" : verb;
            String op = operation.toUpperCase(Locale.ROOT) + " " + template.get().text();
            if (!item.has(operation)) {
                if (status != 405) {
                    return "openapi.yaml has no " + op + ", so the answer must be its 405";
                }
                pointer = "/components/responses/MethodNotAllowed";
            } else {
                String responses = "/paths/" + escape(template.get().text()) + "/" + operation + "/responses";
                String code = documentedStatus(at(responses), status);
                if (code == null) {
                    return "status " + status + " is not documented for " + op + " (documented: "
                            + names(at(responses)) + ")";
                }
                pointer = responses + "/" + code;
            }
        }
        JsonNode response = at(pointer);
        while (response.has("$ref")) {
            pointer = response.get("$ref").asText().substring(1);
            response = at(pointer);
        }
        String missing = headers == null ? null : missingHeader(response, headers);
        return missing != null ? missing : contentMismatch(verb.equals("head"), response, pointer, contentType, body);
    }

    /** The first header the document requires for this answer that it lacks, as a message; null when none. */
    private String missingHeader(JsonNode response, Function<String, Optional<String>> headers) {
        JsonNode documented = response.path("headers");
        for (var it = documented.fields(); it.hasNext(); ) {
            var header = it.next();
            JsonNode spec = header.getValue();
            while (spec.has("$ref")) {
                spec = at(spec.get("$ref").asText().substring(1));
            }
            if (spec.path("required").asBoolean(false) && headers.apply(header.getKey()).isEmpty()) {
                return "the required header " + header.getKey() + " is missing";
            }
        }
        return null;
    }

    private String contentMismatch(boolean head, JsonNode response, String pointer, String contentType,
                                   String body) {
        JsonNode content = response.get("content");
        if (content == null || content.isEmpty() || head) {
            return body.isEmpty() ? null
                    : head ? "a HEAD answer has no body" : "openapi.yaml documents no body for this answer";
        }
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!content.has(mediaType)) {
            return "content type '" + mediaType + "' is not documented (documented: " + names(content) + ")";
        }
        JsonNode schema = content.get(mediaType).get("schema");
        if (schema == null || !(mediaType.equals("application/json") || mediaType.endsWith("+json"))) {
            return null;
        }
        JsonNode value;
        try {
            value = json.readTree(body);
        } catch (IOException e) {
            return "the body is not JSON although its type is " + mediaType;
        }
        String schemaPointer = pointer + "/content/" + escape(mediaType) + "/schema";
        List<Error> errors = schema(schemaPointer).validate(value);
        return errors.isEmpty() ? null : "the body does not match openapi.yaml#" + schemaPointer + ":\n  "
                + errors.stream().map(Error::toString).collect(Collectors.joining("\n  "));
    }

    /** The documented key of {@code status}: the exact code, else its range ({@code 4XX}), else {@code default}. */
    private static String documentedStatus(JsonNode responses, int status) {
        for (String code : List.of(Integer.toString(status), (status / 100) + "XX", "default")) {
            if (responses.has(code)) {
                return code;
            }
        }
        return null;
    }

    private Schema schema(String pointer) {
        return schemas.computeIfAbsent(pointer, p -> registry.getSchema(SchemaLocation.of(DOCUMENT_IRI + "#" + p)));
    }

    private JsonNode at(String pointer) {
        JsonNode node = document.at(pointer);
        if (node.isMissingNode()) {
            throw new AssertionError("openapi.yaml has nothing at #" + pointer);
        }
        return node;
    }

    /** Survey mode: appends the mismatch to the file instead of failing, to list every one in a single run. */
    private static synchronized void survey(String message) {
        try {
            Files.writeString(SURVEY, message + "\n\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String shown(String body) {
        String text = body.length() > BODY_SHOWN ? body.substring(0, BODY_SHOWN) + "..." : body;
        return "body: " + text;
    }

    private static String names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return String.join(", ", out);
    }

    /** A JSON pointer token (RFC 6901). */
    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static OpenApiContract load() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream("/openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is not on the test class path");
            }
            return new OpenApiContract(new ObjectMapper(new YAMLFactory()).readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A documented path: {@code /v1/customers/{customer_id}} matches any one segment in place of the parameter. */
    private record PathTemplate(String text, Pattern pattern, int parameters) {
        static PathTemplate of(String text) {
            StringBuilder regex = new StringBuilder();
            int parameters = 0;
            for (String part : text.split("(?=\\{)|(?<=\\})")) {
                if (part.startsWith("{")) {
                    regex.append("[^/]+");
                    parameters++;
                } else {
                    regex.append(Pattern.quote(part));
                }
            }
            return new PathTemplate(text, Pattern.compile(regex.toString()), parameters);
        }

        boolean matches(String path) {
            return pattern.matcher(path).matches();
        }
    }
}
