package dev.tally.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.core.ingest.IngestService;
import dev.tally.core.ratelimit.RateLimitFields;
import dev.tally.server.json.DecisionJson;
import dev.tally.server.json.EventJson;
import dev.tally.server.json.FastEventReader;
import dev.tally.server.metrics.HttpRequestMetrics;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The metered product's hot calls in their common case, answered straight on Jetty: {@code POST /v1/authorize},
 * {@code POST /v1/check} and {@code POST /v1/events} with a valid Bearer key of the admin or an ingest key, a JSON
 * body that {@link BodyReading} has read ahead, and a body the fast readers take ({@link DecisionJson#parseValid},
 * {@link FastEventReader}). Profiled under wrk, the servlet layer and Javalin's pipeline around these routes cost
 * more than Tally's own work on them (for a single event, also the servlet's asynchronous mode for the answer that
 * the commit completes); here they take a request from the socket to the same core services and back.
 *
 * <p>Every other request goes on to the Javalin routes ({@link EnforcementRoutes}, {@link EventRoutes}), which
 * answer it exactly as before: no or a wrong key, a session cookie, another content type, CloudEvents, a body the
 * fast readers leave to the JSON tree (which words every problem of it). Nothing has been done to such a request
 * when it goes on. Once a request is taken here, its answer is the same as the route's (the same JSON writers and
 * rate-limit fields, a failure through {@link ProblemMapper}), and it is timed in the same HTTP metrics.
 */
public final class DirectRoutes extends Handler.Wrapper {
    private static final String AUTHORIZE = "/v1/authorize";
    private static final String CHECK = "/v1/check";
    private static final String EVENTS = "/v1/events";
    private static final String JSON_TYPE = "application/json";

    private final Authenticator auth;
    private final Enforcer enforcer;
    private final IngestService ingest;
    private final DecisionJson decisionJson;
    private final EventJson eventJson;
    private final FastEventReader fastEvents = new FastEventReader();
    private final ProblemMapper problems;
    private final HttpRequestMetrics metrics;
    private final InstantSource clock;
    private final Executor replies;

    /**
     * @param replies runs what follows a commit of events, as for {@link EventRoutes} (the server passes its HTTP
     *                pool); the next handler is the server's, set when it starts
     */
    public DirectRoutes(Authenticator auth, Enforcer enforcer, IngestService ingest, ObjectMapper json,
                        ProblemMapper problems, HttpRequestMetrics metrics, InstantSource clock, Executor replies) {
        this.auth = auth;
        this.enforcer = enforcer;
        this.ingest = ingest;
        this.decisionJson = new DecisionJson(json);
        this.eventJson = new EventJson(json);
        this.problems = problems;
        this.metrics = metrics;
        this.clock = clock;
        this.replies = replies;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        boolean taken = HttpMethod.POST.is(request.getMethod()) && isHotPath(path) && mayTake(request)
                && (path.equals(EVENTS) ? events(request, response, callback)
                : decide(request, response, callback, path.equals(AUTHORIZE)));
        return taken || super.handle(request, response, callback);
    }

    private static boolean isHotPath(String path) {
        return path.equals(AUTHORIZE) || path.equals(EVENTS) || path.equals(CHECK);
    }

    /**
     * Whether the request is the common case taken here: a JSON body read ahead (not CloudEvents, neither structured
     * nor binary), and a valid key allowed to meter. Any doubt leaves it to the routes, which answer every problem.
     */
    private boolean mayTake(Request request) {
        HttpFields headers = request.getHeaders();
        if (BodyReading.readAhead(request) == null
                || BodyType.of(headers.get(HttpHeader.CONTENT_TYPE)) != BodyType.JSON
                || headers.contains("ce-specversion")) {
            return false;
        }
        try {
            return Access.mayMeter(auth.bearer(headers.get(HttpHeader.AUTHORIZATION)));
        } catch (RuntimeException e) {
            return false; // the key could not be looked up (the store is out of reach): the route answers that
        }
    }

    /** Authorizes or checks a call; false, having done nothing, if the fast reader leaves the body to the route. */
    private boolean decide(Request request, Response response, Callback callback, boolean reserve) {
        CallRequest call = decisionJson.parseValid(BodyReading.readAhead(request));
        if (call == null) {
            return false;
        }
        try {
            Decision decision = reserve ? enforcer.authorize(call) : enforcer.check(call);
            Map<String, String> fields = RateLimitFields.of(decision, clock.instant());
            HttpFields.Mutable headers = response.getHeaders();
            fields.forEach(headers::put);
            answer(request, response, callback, decisionJson.writeBytes(decision));
        } catch (RuntimeException | Error e) { // an Error too is answered 500 and logged once, as on the routes
            fail(request, response, callback, e);
        }
        return true;
    }

    /**
     * Records events and answers once they are committed, from the thread the writer completes them on
     * ({@code replies}); false, having done nothing, if the fast reader leaves the body to the route.
     */
    private boolean events(Request request, Response response, Callback callback) {
        List<EventCandidate> candidates = fastEvents.read(BodyReading.readAhead(request), clock.instant(),
                EventJson.MAX_BATCH);
        if (candidates == null) {
            return false;
        }
        try {
            ingest.ingestAsync(candidates, replies).whenComplete((result, failure) -> {
                if (failure != null) {
                    fail(request, response, callback, failure);
                } else {
                    answer(request, response, callback, eventJson.report(result));
                }
            });
        } catch (RuntimeException | Error e) {
            fail(request, response, callback, e);
        }
        return true;
    }

    private void answer(Request request, Response response, Callback callback, byte[] json) {
        response.setStatus(200);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
        headers.put(HttpHeader.CONTENT_LENGTH, json.length);
        response.write(true, ByteBuffer.wrap(json), callback);
        timed(request, 200);
    }

    private void fail(Request request, Response response, Callback callback, Throwable failure) {
        ProblemMapper.Problem problem = problems.of(failure, request.getMethod(), request.getHttpURI().getPath());
        problems.write(response, callback, problem);
        timed(request, problem.status());
    }

    private void timed(Request request, int status) {
        metrics.record(request.getHttpURI().getPath(), request.getMethod(), status,
                System.nanoTime() - request.getBeginNanoTime());
    }
}
