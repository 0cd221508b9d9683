package dev.tally.server.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads each request's body before the request reaches the routes, without holding a thread while it waits: a
 * client that sends its body slowly holds only its socket and its buffer, never a thread of the HTTP pool. On JDK 17
 * the pool has a few platform threads, and before this 20 clients sending a byte a second held all of them in a
 * blocking read, so {@code /health} and {@code /v1/authorize} stopped answering.
 *
 * <p>A body that arrives with its headers (the usual case) is handed on at once, on the same thread. A body that is
 * not complete within the body timeout is answered 408 (problem JSON) and its connection closed. A body announced
 * larger than the limit is passed on unread, so the routes answer 413 as before; a chunked body that grows past it
 * is answered 413 here.
 */
public final class BodyReading extends Handler.Wrapper {
    private final int maxBodyBytes;
    private final Duration timeout;
    private final ProblemMapper problems;

    /**
     * @param maxBodyBytes the largest body read (413 beyond)
     * @param timeout      how long a client may take to send a body once its headers are in (408 beyond)
     * @param next         what reads the requests next; null to let the server put its handler there
     */
    public BodyReading(long maxBodyBytes, Duration timeout, ProblemMapper problems, Handler next) {
        super(next);
        this.maxBodyBytes = (int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes);
        this.timeout = timeout;
        this.problems = problems;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long length = request.getLength();
        boolean chunked = length < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if ((length <= 0 && !chunked) || length > maxBodyBytes) {
            return super.handle(request, response, callback);
        }
        CompletableFuture<byte[]> body = Content.Source.asByteArrayAsync(request, maxBodyBytes);
        if (body.isDone() && !body.isCompletedExceptionally()) {
            return super.handle(new ReadRequest(request, body.join()), response, callback);
        }
        AtomicBoolean answered = new AtomicBoolean();
        Scheduler.Task deadline = getServer().getScheduler().schedule(() -> {
            if (answered.compareAndSet(false, true)) {
                answer(response, callback, 408, "request-timeout", "Request timeout", "the request body was not "
                        + "complete within " + timeout.toSeconds() + " s of its headers; send it faster or smaller");
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        body.whenComplete((bytes, failure) -> {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            deadline.cancel();
            if (failure != null) {
                failed(response, callback, failure);
            } else {
                handOn(new ReadRequest(request, bytes), response, callback);
            }
        });
        return true;
    }

    /** Passes a request whose body is in memory to the routes (on the thread that read its last bytes). */
    private void handOn(Request request, Response response, Callback callback) {
        try {
            if (!super.handle(request, response, callback)) {
                Response.writeError(request, response, callback, 404);
            }
        } catch (Throwable t) {
            callback.failed(t);
        }
    }

    /** A body that could not be read: too large (413), else the connection failed (nothing to answer to). */
    private void failed(Response response, Callback callback, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof IllegalArgumentException || cause instanceof IllegalStateException) {
            answer(response, callback, 413, "payload-too-large", "Payload too large",
                    "the request body is larger than " + maxBodyBytes + " bytes");
        } else {
            callback.failed(cause);
        }
    }

    private void answer(Response response, Callback callback, int status, String type, String title, String detail) {
        // The rest of the body may still come; the connection cannot be reused.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        problems.write(response, callback, new ProblemMapper.Problem(status, type, title, detail, List.of(), false));
    }

    /**
     * The body of a request that this handler read ahead, without consuming it (the request can still be read as
     * usual); null when it was not read ahead (no body, a body too large, or a request that did not come through
     * here).
     */
    public static byte[] readAhead(Request request) {
        ReadRequest read = Request.as(request, ReadRequest.class);
        return read == null ? null : read.bytes;
    }

    /** The request with its body already read: reads never wait. */
    private static final class ReadRequest extends Request.Wrapper {
        private final byte[] bytes;
        /** Made at the first read: a request answered from {@link #readAhead} alone is never read. */
        private Content.Source body;

        ReadRequest(Request request, byte[] bytes) {
            super(request);
            this.bytes = bytes;
        }

        private Content.Source body() {
            if (body == null) {
                body = Content.Source.from(ByteBuffer.wrap(bytes));
            }
            return body;
        }

        @Override
        public Content.Chunk read() {
            return body().read();
        }

        @Override
        public void demand(Runnable demandCallback) {
            body().demand(demandCallback);
        }

        @Override
        public void fail(Throwable failure) {
            body().fail(failure);
        }

        @Override
        public void fail(Throwable failure, boolean last) {
            body().fail(failure, last);
        }

        @Override
        public boolean rewind() {
            return body().rewind();
        }
    }
}
