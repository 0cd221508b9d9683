package dev.tally.example;

import dev.tally.client.TallyClient;
import dev.tally.client.servlet.TallyFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;

/**
 * A tiny chat API metered by Tally: embedded Jetty serving {@code POST /api/chat} behind {@link TallyFilter}, which
 * finds the customer from the {@code X-Api-Key} header, authorizes each call (429 when a limit is used up) and
 * records its tokens.
 *
 * <p>Run it against the demo server ({@code ./tally demo} in another terminal):
 * <pre>
 * TALLY_KEY=tally-demo-admin-key ./mvnw -q -pl tally-example -am verify -DskipTests -Prun-example
 * curl -i -X POST localhost:8081/api/chat -H 'X-Api-Key: key-acme' -d 'Hello there'
 * </pre>
 */
public final class ChatApp implements AutoCloseable {
    private final Server jetty;
    private final TallyFilter filter;

    private ChatApp(Server jetty, TallyFilter filter) {
        this.jetty = jetty;
        this.filter = filter;
    }

    /**
     * Starts the app on {@code port} (0 for a free one).
     *
     * @param tallyUrl          the Tally server
     * @param tallyKey          its admin key
     * @param customersByApiKey this app's API keys and the Tally customer each belongs to
     */
    public static ChatApp start(int port, String tallyUrl, String tallyKey, Map<String, String> customersByApiKey)
            throws Exception {
        // The few lines that meter an API:
        TallyClient tally = TallyClient.builder().baseUrl(tallyUrl).apiKey(tallyKey)
                .timeout(Duration.ofSeconds(2)).build();
        TallyFilter filter = TallyFilter.builder()
                .customer(request -> {
                    String key = request.getHeader("X-Api-Key");
                    return key == null ? null : customersByApiKey.get(key);
                })
                .provider(request -> "openai")
                .model(request -> "gpt-4o")
                .remote(tally)
                .build();

        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(filter), "/api/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new ChatServlet()), "/api/chat");
        Server jetty = new Server(port);
        jetty.setHandler(context);
        try {
            jetty.start();
        } catch (Exception e) {
            filter.close();
            throw e;
        }
        return new ChatApp(jetty, filter);
    }

    /** The port the app listens on. */
    public int port() {
        return ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
    }

    /** Stops serving, then sends the events still queued (the filter's close). */
    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop", e);
        } finally {
            filter.close();
        }
    }

    /**
     * Starts the app on {@code PORT} (default 8081) against {@code TALLY_URL} (default {@code http://localhost:8080})
     * with the key {@code TALLY_KEY}; API keys {@code key-acme} and {@code key-globex} belong to the demo's
     * customers {@code acme} and {@code globex}.
     */
    public static void main(String[] args) throws Exception {
        String key = System.getenv("TALLY_KEY");
        if (key == null || key.isBlank()) {
            System.err.println("Set TALLY_KEY to the Tally admin key (the demo's is tally-demo-admin-key).");
            System.exit(2);
        }
        String url = System.getenv().getOrDefault("TALLY_URL", "http://localhost:8080");
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8081"));
        ChatApp app = start(port, url, key, Map.of("key-acme", "acme", "key-globex", "globex"));
        Runtime.getRuntime().addShutdownHook(new Thread(app::close));
        System.out.println("Chat API on http://localhost:" + app.port() + "/api/chat, metered by Tally at " + url
                + " (X-Api-Key: key-acme or key-globex)");
        app.jetty.join();
    }

    /** The application: a pretend chat completion that tells the filter how many tokens it used. */
    static final class ChatServlet extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String prompt = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String reply = "You said " + prompt.length() + " characters.";
            // Roughly four characters a token, as the upstream model would report it.
            request.setAttribute(TallyFilter.USAGE_ATTRIBUTE, Map.of(
                    "input_tokens", 1 + prompt.length() / 4, "output_tokens", 1 + reply.length() / 4));
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            response.getWriter().write("{\"reply\": \"" + reply + "\"}");
        }
    }
}
