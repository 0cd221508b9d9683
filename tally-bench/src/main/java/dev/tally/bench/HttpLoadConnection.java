package dev.tally.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive HTTP/1.1 connection of a load generator: plain blocking sockets and a hand-written answer reader,
 * since the generator shares the cores with the server and must cost little per request. It reads whole answers
 * (Content-Length or chunked), notes when the first byte of the body arrived (time to first token of a stream) and
 * whether the body held a given byte string.
 */
final class HttpLoadConnection implements AutoCloseable {
    private final int port;
    private final byte[] needle;
    private final byte[] buf = new byte[64 * 1024];
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int pos;
    private int lim;
    private int status;
    private boolean found;
    private long firstBodyNanos;

    /** @param needle bytes to look for in each body ({@link #found()}), or an empty array */
    HttpLoadConnection(int port, byte[] needle) {
        this.port = port;
        this.needle = needle;
    }

    /** Sends a whole request (head and body) and reads its answer; the connection is opened when needed. */
    void exchange(byte[] request) throws IOException {
        if (socket == null) {
            connect();
        }
        out.write(request);
        out.flush();
        readResponse();
    }

    /** The last answer's status code. */
    int status() {
        return status;
    }

    /** Whether the last answer's body held the needle. */
    boolean found() {
        return found;
    }

    /** {@link System#nanoTime()} when the last answer's first body byte was read (its end if it had none). */
    long firstBodyNanos() {
        return firstBodyNanos;
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        pos = 0;
        lim = 0;
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a broken connection: nothing to do
            }
            socket = null;
        }
    }

    private void readResponse() throws IOException {
        String statusLine = line();
        status = statusLine.length() >= 12 ? Integer.parseInt(statusLine.substring(9, 12)) : 0;
        long length = -1;
        boolean chunked = false;
        boolean closing = false;
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            String name = h.substring(0, colon).trim();
            String value = h.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                chunked = true;
            } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                closing = true;
            }
        }
        found = false;
        firstBodyNanos = 0;
        if (chunked) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                body(size);
                line(); // the CRLF after the chunk
            }
            while (!line().isEmpty()) {
                // trailers
            }
        } else if (length >= 0) {
            body(length);
        } else {
            throw new IOException("an answer without Content-Length or chunked encoding: " + statusLine);
        }
        if (firstBodyNanos == 0) {
            firstBodyNanos = System.nanoTime();
        }
        if (closing) {
            close();
        }
    }

    private long chunkSize() throws IOException {
        return Long.parseLong(line().split(";")[0].trim(), 16);
    }

    /** Consumes {@code n} body bytes, looking for the needle. */
    private void body(long n) throws IOException {
        int matched = 0;
        while (n > 0) {
            if (pos == lim) {
                fill();
            }
            if (firstBodyNanos == 0) {
                firstBodyNanos = System.nanoTime();
            }
            int take = (int) Math.min(n, lim - pos);
            for (int i = pos; i < pos + take && !found && needle.length > 0; i++) {
                matched = buf[i] == needle[matched] ? matched + 1 : (buf[i] == needle[0] ? 1 : 0);
                found = matched == needle.length;
            }
            pos += take;
            n -= take;
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            if (pos == lim) {
                fill();
            }
            byte b = buf[pos++];
            if (b == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) b);
        }
    }

    private void fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
            throw new IOException("the server closed the connection");
        }
        pos = 0;
        lim = n;
    }
}
