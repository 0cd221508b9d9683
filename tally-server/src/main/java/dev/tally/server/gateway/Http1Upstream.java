package dev.tally.server.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A blocking HTTP/1.1 client for {@code http} upstreams (a local vLLM, Ollama or llama.cpp, a fake in a benchmark):
 * the gateway's call thread writes the request and reads the answer on a pooled socket itself. The JDK's client
 * hands every call between its selector thread and the caller several times, which on a busy machine made each
 * call wait for threads to be scheduled, and cost a third of a call's CPU.
 *
 * <p>Rules: connections are kept alive and reused per host and port (at most {@link #MAX_IDLE} idle ones, none idle
 * longer than {@link #IDLE_MILLIS}); a request whose reused connection turns out closed before any answer byte is
 * sent again once on a new connection when its body is in memory. Connecting longer than the connect timeout, or
 * waiting longer than the response timeout for the answer to start, throws an {@link HttpTimeoutException}; an
 * answer that has started is read for as long as it lasts. An answer's body is read as it arrives (a read returns
 * what one socket read brought), and closing it before its end closes the connection, which ends the upstream's
 * work too.
 */
final class Http1Upstream {
    /** Idle connections kept per host and port. */
    static final int MAX_IDLE = 64;
    /** How long a connection may sit idle and still be reused (servers close theirs after 5 s to minutes). */
    static final long IDLE_MILLIS = 4_000;
    private static final byte[] CRLF = {'\r', '\n'};

    private final int connectMillis;
    private final int responseMillis;
    private final Map<String, Deque<Connection>> idle = new ConcurrentHashMap<>();

    Http1Upstream(Duration connectTimeout, Duration responseTimeout) {
        this.connectMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.responseMillis = (int) Math.min(Integer.MAX_VALUE, responseTimeout.toMillis());
    }

    /** An answer whose head has arrived; its body streams. */
    record Answer(int status, HttpHeaders headers, InputStream body) {
    }

    /**
     * Sends one request and reads the head of its answer.
     *
     * @param headers  name and value pairs to send (without Host, Content-Length, Transfer-Encoding, Connection)
     * @param body     the body in memory, or null
     * @param streamed the body to stream when {@code body} is null, or null for none
     * @param length   the streamed body's length, or -1 when unknown (then sent chunked)
     */
    Answer send(URI uri, String method, List<String[]> headers, byte[] body, InputStream streamed, long length)
            throws IOException {
        String hostPort = uri.getHost() + ":" + port(uri);
        byte[] head = head(uri, method, headers, body != null ? body.length : streamed == null ? 0 : length);
        for (int attempt = 0; ; attempt++) {
            Connection c = idleConnection(hostPort);
            boolean reused = c != null;
            if (c == null) {
                c = Connection.open(uri.getHost(), port(uri), connectMillis);
            }
            try {
                c.out.write(head);
                if (body != null) {
                    c.out.write(body);
                } else if (streamed != null) {
                    copy(streamed, c.out, length < 0);
                }
                c.out.flush();
                c.socket.setSoTimeout(responseMillis);
                Head answerHead = Head.read(c);
                c.socket.setSoTimeout(0); // an answer that has started is never cut
                return new Answer(answerHead.status, answerHead.headers, body(c, hostPort, method, answerHead));
            } catch (SocketTimeoutException e) {
                c.close();
                throw new HttpTimeoutException("no answer within " + responseMillis + " ms");
            } catch (IOException e) {
                c.close();
                // A kept-alive connection the server had closed meanwhile: nothing reached it, so try a new one.
                if (reused && attempt == 0 && streamed == null && !c.answerStarted) {
                    continue;
                }
                throw e;
            }
        }
    }

    private static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : 80;
    }

    private static byte[] head(URI uri, String method, List<String[]> headers, long length) {
        StringBuilder sb = new StringBuilder(256);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        sb.append(method).append(' ').append(path);
        if (uri.getRawQuery() != null) {
            sb.append('?').append(uri.getRawQuery());
        }
        sb.append(" HTTP/1.1\r\nHost: ").append(uri.getHost());
        if (uri.getPort() > 0) {
            sb.append(':').append(uri.getPort());
        }
        sb.append("\r\n");
        for (String[] h : headers) {
            sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        if (length >= 0) {
            if (length > 0 || !"GET".equals(method) && !"HEAD".equals(method)) {
                sb.append("Content-Length: ").append(length).append("\r\n");
            }
        } else {
            sb.append("Transfer-Encoding: chunked\r\n");
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Copies the caller's body as it arrives, chunked when its length is unknown. */
    private static void copy(InputStream from, OutputStream to, boolean chunked) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
            if (n == 0) {
                continue;
            }
            if (chunked) {
                to.write(Integer.toHexString(n).getBytes(StandardCharsets.US_ASCII));
                to.write(CRLF);
            }
            to.write(buffer, 0, n);
            if (chunked) {
                to.write(CRLF);
            }
        }
        if (chunked) {
            to.write(new byte[] {'0', '\r', '\n', '\r', '\n'});
        }
    }

    private Connection idleConnection(String hostPort) {
        Deque<Connection> deque = idle.get(hostPort);
        if (deque == null) {
            return null;
        }
        long now = System.currentTimeMillis();
        for (Connection c = deque.pollFirst(); c != null; c = deque.pollFirst()) {
            if (now - c.idleSince <= IDLE_MILLIS) {
                c.answerStarted = false;
                return c;
            }
            c.close();
        }
        return null;
    }

    private void release(String hostPort, Connection c) {
        Deque<Connection> deque = idle.computeIfAbsent(hostPort, k -> new ConcurrentLinkedDeque<>());
        if (deque.size() >= MAX_IDLE) {
            c.close();
            return;
        }
        c.idleSince = System.currentTimeMillis();
        deque.addFirst(c);
    }

    private InputStream body(Connection c, String hostPort, String method, Head head) {
        boolean reusable = head.keepAlive;
        if ("HEAD".equals(method) || head.status == 204 || head.status == 304) {
            if (reusable) {
                release(hostPort, c);
            } else {
                c.close();
            }
            return InputStream.nullInputStream();
        }
        if (head.chunked) {
            return new Body(c, hostPort, -1, true, reusable);
        }
        if (head.length >= 0) {
            return new Body(c, hostPort, head.length, false, reusable);
        }
        return new Body(c, hostPort, -1, false, false); // until the upstream closes the connection
    }

    /** One kept-alive socket with its read buffer. */
    private static final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final byte[] buf = new byte[16 * 1024];
        int pos;
        int lim;
        long idleSince;
        boolean answerStarted;

        private Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = new java.io.BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
        }

        static Connection open(String host, int port, int connectMillis) throws IOException {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(host, port), connectMillis);
            } catch (SocketTimeoutException e) {
                s.close();
                throw new HttpConnectTimeoutException("connecting took longer than " + connectMillis + " ms");
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return new Connection(s);
        }

        /** Fills the buffer when empty; false at the end of the stream. */
        boolean fill() throws IOException {
            if (pos < lim) {
                return true;
            }
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) {
                return false;
            }
            answerStarted = true;
            pos = 0;
            lim = n;
            return true;
        }

        String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            while (true) {
                if (!fill()) {
                    throw new IOException("the upstream closed the connection in the middle of a line");
                }
                byte b = buf[pos++];
                if (b == '\n') {
                    int len = sb.length();
                    return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
                }
                if (sb.length() > 64 * 1024) {
                    throw new IOException("an answer line longer than 64 KiB");
                }
                sb.append((char) (b & 0xff));
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a broken connection: nothing to do
            }
        }
    }

    /** The status and headers of an answer, and how its body is framed. */
    private record Head(int status, HttpHeaders headers, long length, boolean chunked, boolean keepAlive) {
        static Head read(Connection c) throws IOException {
            while (true) {
                String statusLine = c.line();
                if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                    throw new IOException("not an HTTP/1.x answer");
                }
                int status = Integer.parseInt(statusLine.substring(9, 12));
                Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (String line = c.line(); !line.isEmpty(); line = c.line()) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        map.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>(1))
                                .add(line.substring(colon + 1).trim());
                    }
                }
                if (status >= 100 && status < 200 && status != 101) {
                    continue; // 100 Continue, 103 Early Hints: the answer follows
                }
                String te = first(map, "transfer-encoding");
                String cl = first(map, "content-length");
                String connection = first(map, "connection");
                boolean keepAlive = statusLine.startsWith("HTTP/1.1")
                        ? connection == null || !connection.equalsIgnoreCase("close")
                        : connection != null && connection.equalsIgnoreCase("keep-alive");
                boolean chunked = te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                long length = chunked || cl == null ? -1 : Long.parseLong(cl.trim());
                return new Head(status, HttpHeaders.of(map, (a, b) -> true), length, chunked, keepAlive);
            }
        }

        private static String first(Map<String, List<String>> map, String name) {
            List<String> v = map.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    /**
     * An answer's body as it arrives: fixed length, chunked, or until the connection closes. At its end a reusable
     * connection goes back to the pool; closed before its end, the connection is closed.
     */
    private final class Body extends InputStream {
        private final Connection c;
        private final String hostPort;
        private final boolean chunked;
        private final boolean reusable;
        private long remaining; // of the body (fixed) or of the current chunk; -1 until-close or before a chunk
        private boolean crlfDue; // a chunk's data ended: its CRLF is read with the next chunk's size
        private boolean done;
        private boolean closed;

        Body(Connection c, String hostPort, long length, boolean chunked, boolean reusable) {
            this.c = c;
            this.hostPort = hostPort;
            this.chunked = chunked;
            this.reusable = reusable;
            this.remaining = chunked ? 0 : length;
            this.done = !chunked && length == 0;
            if (done) {
                finish();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done || closed) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            if (chunked && remaining == 0) {
                if (crlfDue) {
                    c.line(); // read only now, so a chunk's data never waits for the bytes after it
                    crlfDue = false;
                }
                remaining = nextChunk();
                if (remaining == 0) {
                    while (!c.line().isEmpty()) {
                        // trailers, dropped
                    }
                    done = true;
                    finish();
                    return -1;
                }
            }
            if (!c.fill()) {
                if (!chunked && remaining < 0) {
                    done = true; // until close: the end
                    finish();
                    return -1;
                }
                throw new IOException("the upstream closed the connection before the answer's end");
            }
            int n = Math.min(len, c.lim - c.pos);
            if (remaining >= 0) {
                n = (int) Math.min(n, remaining);
            }
            System.arraycopy(c.buf, c.pos, b, off, n);
            c.pos += n;
            if (remaining >= 0) {
                remaining -= n;
                if (chunked && remaining == 0) {
                    crlfDue = true;
                } else if (!chunked && remaining == 0) {
                    done = true;
                    finish();
                }
            }
            return n;
        }

        private long nextChunk() throws IOException {
            String line = c.line();
            int semi = line.indexOf(';');
            try {
                return Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("a bad chunk size in the upstream's answer");
            }
        }

        /** At the body's end: the connection goes back to the pool when it may be reused. */
        private void finish() {
            closed = true;
            if (reusable && c.pos == c.lim) {
                release(hostPort, c);
            } else {
                c.close();
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                c.close(); // before its end: the rest is never read, so the connection cannot be reused
            }
        }
    }
}
