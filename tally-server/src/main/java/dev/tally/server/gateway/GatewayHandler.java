package dev.tally.server.gateway;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Takes {@code /gateway/...} requests before anything else in the server sees them, and hands each to the
 * {@link Gateway} on the gateway's own threads: a forwarded call waits on its upstream for as long as the upstream
 * takes (an hour of audio, a slow completion), so it must not hold a thread of the small HTTP pool, and its body must
 * stream, not be read ahead by {@link dev.tally.server.http.BodyReading}. Every other request goes on unchanged.
 */
public final class GatewayHandler extends Handler.Wrapper {
    /** Where the gateway's paths begin. */
    public static final String PREFIX = "/gateway/";

    private final Gateway gateway;
    private final Executor threads;

    public GatewayHandler(Gateway gateway, Executor threads, Handler next) {
        super(next);
        this.gateway = gateway;
        this.threads = threads;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        if (path == null || !path.startsWith(PREFIX)) {
            return super.handle(request, response, callback);
        }
        try {
            threads.execute(() -> gateway.handle(request, response, callback));
        } catch (RejectedExecutionException e) {
            callback.failed(e);
        }
        return true;
    }
}
