package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway speaks HTTP/2 to an {@code https} upstream that offers it (ALPN): a Jetty upstream with TLS and h2,
 * its certificate made for the test and trusted as the JVM's default, answers a chat completion plainly and as an
 * event stream, and records the protocol each request came in. The OpenAI SDK calls the gateway over HTTP/1.1.
 */
class GatewayHttp2Test {
    private static final String PASSWORD = "test-only";
    private static final String USAGE = "{\"prompt_tokens\":1200,\"completion_tokens\":300,\"total_tokens\":1500}";
    private static final String COMPLETION = "{\"id\":\"chatcmpl-h2\",\"object\":\"chat.completion\","
            + "\"created\":1741570283,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"Hello over h2\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":"
            + "\"stop\"}],\"usage\":" + USAGE + "}";
    private static final String CHUNK = "{\"id\":\"chatcmpl-h2\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1741570283,\"model\":\"gpt-4o\",\"choices\":%s,\"usage\":%s}";

    private static Path keystore;
    private static SSLContext previousDefault;

    @TempDir
    Path dir;
    private Server upstream;
    private final List<String> protocols = new CopyOnWriteArrayList<>();
    private TestServer server;
    private Api api;
    private OpenAIClient client;

    @BeforeAll
    static void certificate() throws Exception {
        keystore = Files.createTempDirectory("gateway-h2").resolve("upstream.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "upstream", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-keypass", PASSWORD).redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
        // The gateway's client takes the JVM's default context when the server starts; restored after the class.
        previousDefault = SSLContext.getDefault();
        SSLContext.setDefault(trusting);
    }

    @AfterAll
    static void restore() throws Exception {
        SSLContext.setDefault(previousDefault);
        Files.deleteIfExists(keystore);
        Files.deleteIfExists(keystore.getParent());
    }

    @BeforeEach
    void start() throws Exception {
        upstream = h2Upstream();
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:30Z"));
        api = server.admin();
        assertThat(api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"2.50","per":1000000},
                 {"provider":"openai","model":"gpt-4o","metric":"output_tokens","unit_price":"10.00","per":1000000}]
                """).status()).isEqualTo(200);
        assertThat(api.put("/v1/customers/acme", "{}").status()).isIn(200, 201);
        String key = api.post("/v1/customers/acme/keys", null).json().get("key").asText();
        int port = ((ServerConnector) upstream.getConnectors()[0]).getLocalPort();
        client = OpenAiGateway.connect(server, api, "https://localhost:" + port, key);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        upstream.stop();
    }

    private Server h2Upstream() throws Exception {
        Server s = new Server();
        HttpConfiguration config = new HttpConfiguration();
        config.addCustomizer(new SecureRequestCustomizer(false));
        HttpConnectionFactory http1 = new HttpConnectionFactory(config);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(config);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol(http1.getProtocol());
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(keystore.toString());
        tls.setKeyStorePassword(PASSWORD);
        tls.setCipherComparator(HTTP2Cipher.COMPARATOR);
        ServerConnector connector = new ServerConnector(s, new SslConnectionFactory(tls, alpn.getProtocol()), alpn,
                h2, http1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        s.addConnector(connector);
        s.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                protocols.add(request.getConnectionMetaData().getProtocol());
                String body = Content.Source.asString(request, StandardCharsets.UTF_8);
                boolean stream = body.contains("\"stream\":true");
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, stream ? "text/event-stream" : "application/json");
                response.getHeaders().put("x-request-id", "req_h2");
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                    if (stream) {
                        for (String data : List.of(
                                CHUNK.formatted("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},"
                                        + "\"finish_reason\":null}]", "null"),
                                CHUNK.formatted("[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":"
                                        + "\"stop\"}]", "null"),
                                CHUNK.formatted("[]", USAGE), "[DONE]")) {
                            out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                            out.flush();
                        }
                    } else {
                        out.write(COMPLETION.getBytes(StandardCharsets.UTF_8));
                    }
                }
                callback.succeeded();
                return true;
            }
        });
        s.start();
        return s;
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("Say hello")
                .maxCompletionTokens(50);
    }

    private List<JsonNode> events(int count) {
        Await.within(Duration.ofSeconds(10), count + " events",
                () -> api.get("/v1/customers/acme/events").json().get("events").size() == count);
        List<JsonNode> list = new ArrayList<>();
        api.get("/v1/customers/acme/events").json().get("events").forEach(list::add);
        return list;
    }

    @Test
    void plainAndStreamedCalls_goUpstreamOverHttp2_andAreRecordedToTheTokenAndCent() {
        ChatCompletion plain = client.chat().completions().create(chat().build());
        assertThat(plain.choices().get(0).message().content()).hasValue("Hello over h2");
        List<String> text = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat().build())) {
            stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::add)));
        }
        assertThat(String.join("", text)).isEqualTo("Hello");

        assertThat(protocols).containsExactly("HTTP/2.0", "HTTP/2.0");
        for (JsonNode event : events(2)) {
            assertThat(event.get("status").asInt()).isEqualTo(200);
            assertThat(event.get("usage").get("input_tokens").asLong()).isEqualTo(1200);
            assertThat(event.get("usage").get("output_tokens").asLong()).isEqualTo(300);
            // 1200 x 2.50/1M + 300 x 10/1M
            assertThat(event.get("cost").asText()).isEqualTo("0.006");
            assertThat(event.get("metadata").isNull()).isTrue();
        }
    }
}
