package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.enforce.CallEstimate;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.DenialCode;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.event.EndUsers;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.gateway.Upstream;
import dev.tally.core.gateway.UpstreamType;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.core.ingest.EventIds;
import dev.tally.core.ingest.IngestService;
import dev.tally.core.problem.TallyException;
import dev.tally.core.ratelimit.RateLimitFields;
import dev.tally.server.http.Authenticator;
import dev.tally.server.http.Principal;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * Forwards one gateway call: authenticates the caller's customer key (sent the way the provider's SDKs send theirs),
 * authorizes an estimate of the call, forwards it with the upstream's key in place of the caller's, streams the
 * answer back as it arrives while its meter reads the usage, and records one event that settles the reservation.
 *
 * <p>Rules: a denied call is answered 429 in the provider's format and never reaches the upstream. Every answer
 * carries {@code X-Tally-Request-Id} (the event id; none for calls refused before authorization) and the rate-limit
 * headers of the decision. A call that reached the upstream (or tried to) is always recorded, whatever became of
 * it: an upstream error with its status and no usage; a timeout or an unreachable upstream with 504 or 502; a stream
 * broken or abandoned with the usage seen so far, estimated where missing and marked {@code usage_estimated}.
 * Neither key ever goes the wrong way: the caller's key is removed before forwarding, and the upstream's key is
 * never answered, logged or stored in the clear.
 */
public final class Gateway {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** Header naming the end user of a call. */
    static final String USER_HEADER = "x-tally-user";
    /** Header carrying the event id of a call. */
    static final String REQUEST_ID_HEADER = "X-Tally-Request-Id";
    private static final int CHUNK = 16 * 1024;
    /**
     * Headers that describe one hop, not the message (RFC 9110 7.6.1), and those the JDK client sets itself: never
     * copied from the caller to the upstream or back.
     */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", "expect", "http2-settings");

    private final Authenticator auth;
    private final Upstreams upstreams;
    private final Enforcer enforcer;
    private final IngestService ingest;
    private final Executor completion;
    private final InstantSource clock;
    private final GatewaySettings settings;
    private final ObjectMapper json;
    private final Map<UpstreamType, Provider> providers = new EnumMap<>(UpstreamType.class);
    private final Http1Upstream plainHttp;
    private final HttpClient https;
    private final HttpClient streamingHttps;

    /**
     * @param completion runs what follows an event's commit (nothing waits for it)
     */
    public Gateway(Authenticator auth, Upstreams upstreams, Enforcer enforcer, IngestService ingest,
                   Executor completion, InstantSource clock, GatewaySettings settings, ObjectMapper json) {
        this.auth = auth;
        this.upstreams = upstreams;
        this.enforcer = enforcer;
        this.ingest = ingest;
        this.completion = completion;
        this.clock = clock;
        this.settings = settings;
        this.json = json;
        for (Provider p : List.of(new HttpProvider(json), new OpenAiProvider(json, settings.copyLimitBytes()),
                new AnthropicProvider(json, settings.copyLimitBytes()), new ElevenLabsProvider(json))) {
            providers.put(p.type(), p);
        }
        // Plain-http upstreams (a local vLLM) get HTTP/1.1 from a blocking client on the call's own thread; https
        // ones the JDK's pooled client, HTTP/2 when they offer it.
        this.plainHttp = new Http1Upstream(settings.connectTimeout(), settings.responseTimeout());
        HttpClient.Version version = settings.http2() ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1;
        this.https = client(version, true);
        this.streamingHttps = client(version, false);
    }

    /**
     * A pooled client. {@code inline}: its internal tasks run on its own selector thread rather than being handed to
     * a worker pool, which saves several thread hand-offs per call (measured: about 8 per call before, each a wait
     * for a core on a busy machine); safe only when nothing those tasks run can block, i.e. when the request body is
     * already in memory. A body streamed from the caller is read by those tasks, so it goes through a client whose
     * tasks run on the JDK's worker threads.
     */
    private HttpClient client(HttpClient.Version version, boolean inline) {
        HttpClient.Builder b = HttpClient.newBuilder().version(version).connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        if (inline) {
            b.executor(Runnable::run);
        }
        return b.build();
    }

    /** Handles one call to completion (on a gateway thread), completing {@code callback} at the end. */
    void handle(Request request, Response response, Callback callback) {
        try {
            call(request, response);
            callback.succeeded();
        } catch (Throwable t) {
            callback.failed(t);
        }
    }

    private void call(Request request, Response response) throws IOException {
        long startNanos = System.nanoTime();
        Instant startedAt = clock.instant();
        String path = request.getHttpURI().getPath();
        int slash = path.indexOf('/', GatewayHandler.PREFIX.length());
        String name = path.substring(GatewayHandler.PREFIX.length(), slash < 0 ? path.length() : slash);
        String endpoint = slash < 0 ? "/" : path.substring(slash);
        Upstream upstream = upstreams.find(name).orElse(null);
        if (upstream == null) {
            answerUnread(request, response, providers.get(UpstreamType.HTTP), ErrorKind.NOT_FOUND,
                    "there is no upstream '" + name + "' (PUT /v1/upstreams/{name} configures one)");
            return;
        }
        Provider provider = providers.get(upstream.type());
        String customerId = customer(provider, request);
        if (customerId == null) {
            answerUnread(request, response, provider, ErrorKind.AUTHENTICATION,
                    "send a Tally customer key the way this provider's SDK sends its API key");
            return;
        }
        String method = request.getMethod();
        String contentType = request.getHeaders().get("content-type");
        byte[] body = null;
        JsonNode tree = null;
        if (provider.readsBody(method, endpoint, contentType)) {
            body = readBody(request);
            if (body == null) {
                answerUnread(request, response, provider, ErrorKind.TOO_LARGE, "the request body is larger than "
                        + settings.maxBodyBytes() + " bytes, the most the gateway reads");
                return;
            }
            tree = parse(body);
        }
        CallPlan plan = provider.plan(endpoint, body, tree);
        String user = request.getHeaders().get(USER_HEADER);
        if (user != null && !EndUsers.isValidUser(user)) {
            answer(response, provider, ErrorKind.BAD_REQUEST, "X-Tally-User must be 1 to "
                    + EndUsers.MAX_USER_CHARS + " characters, was " + user.length());
            return;
        }
        if (user == null && EndUsers.isValidUser(plan.user())) {
            user = plan.user(); // a body's user the event cannot hold is left out, never a reason to fail the call
        }
        Decision decision;
        try {
            decision = enforcer.authorize(new CallRequest(customerId, upstream.provider(), plan.model(), endpoint,
                    new CallEstimate(plan.estimateMicros(), null, null), CallRequest.DEFAULT_TTL));
        } catch (TallyException e) {
            answer(response, provider, ErrorKind.UNAVAILABLE, "the call could not be authorized: " + e.getMessage());
            return;
        }
        Instant now = clock.instant();
        RateLimitFields.of(decision, now).forEach((k, v) -> response.getHeaders().add(k, v));
        if (!decision.allowed()) {
            ErrorKind kind = decision.code() == DenialCode.RATE_LIMITED ? ErrorKind.RATE_LIMITED
                    : decision.code() == DenialCode.UNAVAILABLE ? ErrorKind.UNAVAILABLE : ErrorKind.QUOTA_EXCEEDED;
            answer(response, provider, kind, decision.message());
            return;
        }
        String eventId = EventIds.generate(startedAt);
        response.getHeaders().put(REQUEST_ID_HEADER, eventId);
        Outcome outcome = forward(request, response, upstream, provider, customerId, endpoint, plan, body);
        long latencyMs = (System.nanoTime() - startNanos) / 1_000_000;
        String model = outcome.usage.model() != null ? outcome.usage.model() : plan.model();
        record(new UsageEvent(eventId, customerId, startedAt, upstream.provider(), model, endpoint,
                method, outcome.status, latencyMs, user, outcome.usage.micros(), null, decision.reservationId(),
                outcome.usage.estimated() ? "{\"usage_estimated\":true}" : null));
    }

    /** What became of a forwarded call. */
    private record Outcome(int status, Usage usage) {
    }

    private Outcome forward(Request request, Response response, Upstream upstream, Provider provider,
                            String customerId, String endpoint, CallPlan plan, byte[] body) throws IOException {
        String query = request.getHttpURI().getQuery();
        URI uri = URI.create(upstream.baseUrl() + endpoint + (query == null ? "" : "?" + query));
        List<String[]> headers = new ArrayList<>();
        Set<String> keyHeaders = provider.keyHeaders();
        for (HttpField f : request.getHeaders()) {
            String lower = f.getLowerCaseName();
            if (HOP_BY_HOP.contains(lower) || keyHeaders.contains(lower) || lower.equals(USER_HEADER)
                    || (body != null && lower.equals("accept-encoding"))) {
                // A read body's answer is metered, so it must come uncompressed.
                continue;
            }
            headers.add(new String[] {f.getName(), f.getValue()});
        }
        String key = upstreams.keyFor(customerId, upstream);
        if (key != null) {
            provider.authenticate((name, value) -> headers.add(new String[] {name, value}), key);
        }
        Usage unanswered = new Usage(plan.model(), new TreeMap<>(), false); // the provider bills no failed call
        Http1Upstream.Answer answer;
        try {
            answer = uri.getScheme().equals("https") ? sendHttps(request, uri, headers, plan, body)
                    : sendHttp(request, uri, headers, plan, body);
        } catch (HttpTimeoutException e) {
            LOG.warn("Upstream {} did not answer within {} s: answered 504", upstream.name(),
                    settings.responseTimeout().toSeconds());
            answer(response, provider, ErrorKind.TIMEOUT, "the upstream did not answer within "
                    + settings.responseTimeout().toSeconds() + " s");
            return new Outcome(ErrorKind.TIMEOUT.status, unanswered);
        } catch (IOException e) {
            // The exception names the address at most, never a header: no key reaches the log.
            LOG.warn("Upstream {} could not be reached ({}): answered 502", upstream.name(), e.toString());
            answer(response, provider, ErrorKind.UPSTREAM_FAILED, "the upstream could not be reached: "
                    + e.getClass().getSimpleName());
            return new Outcome(ErrorKind.UPSTREAM_FAILED.status, unanswered);
        }
        int status = answer.status();
        Meter meter = provider.meter(endpoint, plan, status, answer.headers());
        response.setStatus(status);
        answer.headers().map().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(lower) && !lower.equals(":status")
                    && !(plan.askedForUsage() && lower.equals("content-length"))) {
                values.forEach(v -> response.getHeaders().add(name, v));
            }
        });
        if (answer.headers().firstValue("content-length").isPresent() && !plan.askedForUsage()) {
            response.getHeaders().put("Content-Length", answer.headers().firstValue("content-length").get());
        }
        boolean complete = relay(answer.body(), response, meter);
        Usage usage = usageOf(meter, complete);
        // An upstream error is recorded with its status and no usage: the provider bills none.
        return new Outcome(status, status >= 400 ? new Usage(usage.model(), new TreeMap<>(), false) : usage);
    }

    /** Calls an {@code http} upstream on this thread, the body in memory or streamed from the caller. */
    private Http1Upstream.Answer sendHttp(Request request, URI uri, List<String[]> headers, CallPlan plan,
                                          byte[] body) throws IOException {
        byte[] inMemory = plan.body() != null ? plan.body() : body;
        if (inMemory != null || !streamsUpload(request, plan, body)) {
            return plainHttp.send(uri, request.getMethod(), headers, inMemory, null, 0);
        }
        // Streamed through as it arrives, never held whole: a 100 MB upload costs a buffer, not 100 MB.
        try (InputStream upload = Content.Source.asInputStream(request)) {
            return plainHttp.send(uri, request.getMethod(), headers, null, upload, request.getLength());
        }
    }

    /** Calls an {@code https} upstream through the JDK's client (HTTP/2 when offered). */
    private Http1Upstream.Answer sendHttps(Request request, URI uri, List<String[]> headers, CallPlan plan,
                                           byte[] body) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(settings.responseTimeout())
                .method(request.getMethod(), publisher(request, plan, body));
        headers.forEach(h -> b.header(h[0], h[1]));
        HttpClient client = streamsUpload(request, plan, body) ? streamingHttps : https;
        try {
            HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            return new Http1Upstream.Answer(r.statusCode(), r.headers(), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling the upstream", e);
        }
    }

    /** A meter's usage, logging (never failing the call) if reading it failed. */
    private static Usage usageOf(Meter meter, boolean complete) {
        try {
            return meter.finish(complete);
        } catch (RuntimeException e) {
            LOG.warn("Reading a gateway call's usage failed; it is recorded without usage", e);
            return new Usage(null, new TreeMap<>(), true);
        }
    }

    /**
     * Streams the upstream's answer to the caller as it arrives: every read is written and flushed at once (an
     * event stream a whole event at a time), so nothing waits in the gateway.
     *
     * @return whether the answer ended normally (false: the upstream broke off or the caller went away)
     */
    private static boolean relay(InputStream from, Response response, Meter meter) throws IOException {
        byte[] buffer = new byte[CHUNK];
        OutputStream out = Content.Sink.asOutputStream(response);
        EventSplitter events = meter.eventStream() ? new EventSplitter() : null;
        try (from) {
            int n;
            while (true) {
                try {
                    n = from.read(buffer);
                } catch (IOException upstreamBroke) {
                    closeQuietly(out);
                    return false;
                }
                if (n < 0) {
                    break;
                }
                try {
                    if (events == null) {
                        meter.onBytes(buffer, 0, n);
                        out.write(buffer, 0, n);
                    } else {
                        events.feed(buffer, n, meter, out);
                    }
                    out.flush();
                } catch (IOException callerLeft) {
                    return false;
                }
            }
            if (events != null && !events.flushRest(meter, out)) {
                return false;
            }
            out.close();
            return true;
        } catch (IOException callerLeft) {
            return false;
        }
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException ignored) {
            // the caller went away as well
        }
    }

    /** Whether the request body is streamed from the caller as it arrives (not in memory, not empty). */
    private static boolean streamsUpload(Request request, CallPlan plan, byte[] body) {
        long length = request.getLength();
        return plan.body() == null && body == null && length != 0
                && (length > 0 || request.getHeaders().contains("transfer-encoding"));
    }

    private HttpRequest.BodyPublisher publisher(Request request, CallPlan plan, byte[] body) {
        if (plan.body() != null) {
            return HttpRequest.BodyPublishers.ofByteArray(plan.body());
        }
        if (body != null) {
            return HttpRequest.BodyPublishers.ofByteArray(body);
        }
        long length = request.getLength();
        if (!streamsUpload(request, plan, body)) {
            return HttpRequest.BodyPublishers.noBody();
        }
        // Streamed through as it arrives, never held whole: a 100 MB upload costs a buffer, not 100 MB.
        HttpRequest.BodyPublisher streamed = HttpRequest.BodyPublishers.ofInputStream(
                () -> Content.Source.asInputStream(request));
        return length > 0 ? HttpRequest.BodyPublishers.fromPublisher(streamed, length) : streamed;
    }

    /** The body, read up to the gateway's limit; null when larger. */
    private byte[] readBody(Request request) throws IOException {
        long max = settings.maxBodyBytes();
        if (request.getLength() > max) {
            return null;
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            return bytes.length > max ? null : bytes;
        }
    }

    private JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return null; // forwarded as it is: the upstream answers its own 400
        }
    }

    /** The customer of the caller's key, or null when it is missing or not a valid customer key. */
    private String customer(Provider provider, Request request) {
        String key = provider.callerKey(name -> request.getHeaders().get(name));
        if (key == null || key.isEmpty()) {
            return null;
        }
        try {
            return auth.resolve(key).filter(p -> p instanceof Principal.CustomerKey)
                    .map(p -> ((Principal.CustomerKey) p).customerId()).orElse(null);
        } catch (RuntimeException e) {
            LOG.warn("Checking a gateway caller's key failed", e);
            return null;
        }
    }

    /** Answers an error the gateway itself decided, in the provider's format. */
    /**
     * Answers before the request body was read (or while part of it is unread): the connection is closed after the
     * answer, and says so, since Jetty cannot always skip the rest of a body, and a client that reused a connection
     * closed without {@code Connection: close} would see its next request fail.
     */
    private static void answerUnread(Request request, Response response, Provider provider, ErrorKind kind,
                                     String message) {
        HttpFields headers = request.getHeaders();
        if (headers.contains(HttpHeader.TRANSFER_ENCODING) || headers.getLongField(HttpHeader.CONTENT_LENGTH) > 0) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        answer(response, provider, kind, message);
    }

    private static void answer(Response response, Provider provider, ErrorKind kind, String message) {
        byte[] body = provider.error(kind, message);
        response.setStatus(kind.status);
        response.getHeaders().put("Content-Type", provider.type() == UpstreamType.HTTP
                ? "application/problem+json" : "application/json");
        response.getHeaders().put("Content-Length", Integer.toString(body.length));
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            out.write(body);
        } catch (IOException e) {
            LOG.debug("The caller went away before its error answer", e);
        }
    }

    /** Hands the call's event to the group-commit writer; a failure is logged, never answered (the call is done). */
    private void record(UsageEvent event) {
        try {
            ingest.ingestAsync(List.of(EventCandidate.valid(0, event.id(), event)), completion)
                    .whenComplete((result, failure) -> {
                        if (failure != null) {
                            LOG.error("The event of gateway call {} (customer {}, status {}) could not be stored",
                                    event.id(), event.customerId(), event.status(), failure);
                        }
                    });
        } catch (RuntimeException e) {
            LOG.error("The event of gateway call {} (customer {}, status {}) was refused", event.id(),
                    event.customerId(), event.status(), e);
        }
    }
}
