package dev.tally.server.gateway;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gateway's blocking HTTP/1.1 client against a hand-written upstream on a raw socket, for what the providers'
 * fakes never do: close a kept-alive connection unannounced, split a chunk from its CRLF, stay silent, or cut an
 * answer short.
 */
class Http1UpstreamTest {
    private final ServerSocket listener = listen();
    private final AtomicInteger connections = new AtomicInteger();
    private final Http1Upstream client = new Http1Upstream(Duration.ofSeconds(5), Duration.ofMillis(500));

    private static ServerSocket listen() {
        try {
            return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
    }

    /** Accepts connections on a daemon thread; each is given to {@code serve}. */
    private void serve(Conversation serve) {
        Thread t = new Thread(() -> {
            while (!listener.isClosed()) {
                try (Socket s = listener.accept()) {
                    connections.incrementAndGet();
                    serve.with(s.getInputStream(), s.getOutputStream());
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "raw-upstream");
        t.setDaemon(true);
        t.start();
    }

    @FunctionalInterface
    private interface Conversation {
        void with(InputStream in, OutputStream out) throws IOException, InterruptedException;
    }

    /** Reads one request head (the tests send no body). */
    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/v1/x");
    }

    private Http1Upstream.Answer get() throws IOException {
        return client.send(uri(), "GET", List.of(), null, null, 0);
    }

    @Test
    void aKeptAliveConnectionTheUpstreamClosedUnannounced_isReplacedOnce() throws Exception {
        serve((in, out) -> {
            readHead(in);
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            out.flush(); // then the socket closes, without Connection: close
        });
        for (int call = 0; call < 3; call++) {
            Http1Upstream.Answer a = get();
            assertThat(a.status()).isEqualTo(200);
            assertThat(new String(a.body().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("ok");
        }
        assertThat(connections.get()).isEqualTo(3);
    }

    @Test
    void aChunkIsHandedOn_beforeTheBytesAfterItArrive() throws Exception {
        CountDownLatch firstRead = new CountDownLatch(1);
        serve((in, out) -> {
            readHead(in);
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(firstRead.await(10, TimeUnit.SECONDS)).isTrue();
            out.write("\r\n6\r\n world\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        });
        Http1Upstream.Answer a = get();
        byte[] buf = new byte[64];
        int n = a.body().read(buf);
        assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).isEqualTo("hello");
        firstRead.countDown();
        assertThat(new String(a.body().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo(" world");
    }

    @Test
    void anUpstreamSilentPastTheResponseTimeout_isATimeout() {
        CountDownLatch done = new CountDownLatch(1);
        serve((in, out) -> {
            readHead(in);
            done.await(10, TimeUnit.SECONDS);
        });
        assertThatThrownBy(this::get).isInstanceOf(HttpTimeoutException.class);
        done.countDown();
    }

    @Test
    void anAnswerCutBeforeItsLength_failsTheRead_andItsConnectionIsNotReused() throws Exception {
        serve((in, out) -> {
            readHead(in);
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        });
        Http1Upstream.Answer a = get();
        assertThatThrownBy(() -> a.body().readAllBytes()).isInstanceOf(IOException.class);
        a.body().close();
        assertThat(get().status()).isEqualTo(200);
        assertThat(connections.get()).isEqualTo(2);
    }
}
