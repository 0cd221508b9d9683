package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.gateway.UpstreamType;

import java.net.http.HttpHeaders;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How one kind of upstream API is metered: where its SDKs send their key, what a request is expected to use, how
 * its answers report usage, and how it words an error. One implementation per {@link UpstreamType}.
 */
interface Provider {
    UpstreamType type();

    /** The caller's key, sent the way this provider's SDKs send theirs; null if none. */
    String callerKey(Function<String, String> header);

    /** The request headers that may carry the caller's key (lower case), never forwarded. */
    Set<String> keyHeaders();

    /** Puts the upstream's key on the forwarded request ({@code header} adds one), the way this provider expects. */
    void authenticate(BiConsumer<String, String> header, String upstreamKey);

    /** Whether this call's body is read (to estimate it) rather than streamed through unread. */
    boolean readsBody(String method, String endpoint, String contentType);

    /** Whether a call sends a JSON body, the only kind the providers' APIs that the gateway estimates take. */
    static boolean postsJson(String method, String contentType) {
        return "POST".equals(method) && contentType != null && contentType.startsWith("application/json");
    }

    /**
     * What the call expects to use, from its path and body.
     *
     * @param body the body read (null when not read), {@code json} its tree (null when not JSON)
     */
    CallPlan plan(String endpoint, byte[] body, JsonNode json);

    /** A meter for the answer to this call. */
    Meter meter(String endpoint, CallPlan plan, int status, HttpHeaders headers);

    /** The body of an error the gateway answers itself, in this provider's format, as JSON. */
    byte[] error(ErrorKind kind, String message);
}
