package dev.tally.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.json.Json;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.OpenApiContract;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's session cookie over plain HTTP: sign-in, cookie attributes, CSRF, expiry, revocation, tampering,
 * sign-out, and the pages' redirects. Run on both stores, since the signing secret lives in the store.
 */
class SessionApiTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void adminSession_readsWithCookie_changesOnlyWithCsrfToken(Backend backend) throws Exception {
        try (TestServer server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Http http = new Http(server.port());
            HttpResponse<String> signIn = http.signIn(TestServer.ADMIN_KEY, false);
            assertThat(signIn.statusCode()).isEqualTo(303);
            assertThat(signIn.headers().firstValue("Location")).hasValue("/");
            String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(setCookie).startsWith("tally_session=").contains("HttpOnly").contains("SameSite=Strict")
                    .contains("Path=/").contains("Max-Age=43200").doesNotContain("Secure");
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));

            assertThat(http.send("GET", "/v1/customers", cookie, null, null).statusCode()).isEqualTo(200);
            JsonNode session = Json.mapper().readTree(http.send("GET", "/ui/session", cookie, null, null).body());
            assertThat(session.get("principal").asText()).isEqualTo("admin");
            assertThat(session.get("who").asText()).as("no name given").isEqualTo("console (admin key 944650a7)");
            String csrf = session.get("csrf_token").asText();

            String plan = "{\"name\":\"Pro\",\"limits\":[]}";
            HttpResponse<String> noToken = http.send("PUT", "/v1/plans/pro", cookie, null, plan);
            assertThat(noToken.statusCode()).isEqualTo(403);
            assertThat(noToken.body()).contains("X-CSRF-Token");
            assertThat(http.send("PUT", "/v1/plans/pro", cookie, "wrong-token", plan).statusCode()).isEqualTo(403);
            assertThat(server.admin().get("/v1/plans/pro").status()).isEqualTo(404);
            assertThat(http.send("PUT", "/v1/plans/pro", cookie, csrf, plan).statusCode()).isEqualTo(201);

            // A Bearer key needs no CSRF token: it is not sent by the browser on its own.
            assertThat(server.admin().put("/v1/plans/basic", plan).status()).isEqualTo(201);
        }
    }

    @Test
    void signIn_overHttps_setsSecureCookie_andWrongKeyGoesBackToTheForm() throws Exception {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Http http = new Http(server.port());
            assertThat(http.signIn(TestServer.ADMIN_KEY, true).headers().firstValue("Set-Cookie").orElseThrow())
                    .contains("; Secure");
            HttpResponse<String> wrong = http.signIn("ta_wrong", false);
            assertThat(wrong.statusCode()).isEqualTo(303);
            assertThat(wrong.headers().firstValue("Location")).hasValue("/signin?error=invalid");
            assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
        }
    }

    /** Issue 16: who made a correction in the console is the name given at sign-in, kept in the signed cookie. */
    @Test
    void adminSignIn_withName_sessionSaysWho_badNameGoesBackToTheForm() throws Exception {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Http http = new Http(server.port());
            String setCookie = http.signIn(TestServer.ADMIN_KEY, "  Zoë | Ops  ", false).headers()
                    .firstValue("Set-Cookie").orElseThrow();
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            JsonNode session = Json.mapper().readTree(http.send("GET", "/ui/session", cookie, null, null).body());
            assertThat(session.get("who").asText()).as("stripped, any character kept").isEqualTo("console: Zoë | Ops");

            for (String bad : new String[]{"x".repeat(65), "tab\there"}) {
                HttpResponse<String> refused = http.signIn(TestServer.ADMIN_KEY, bad, false);
                assertThat(refused.headers().firstValue("Location")).as(bad).hasValue("/signin?error=name");
                assertThat(refused.headers().firstValue("Set-Cookie")).as(bad).isEmpty();
            }
        }
    }

    @Test
    void signIn_ingestKey_isRefusedLikeAWrongKey() throws Exception {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            String ingestKey = server.admin().post("/v1/keys", "{\"scope\":\"ingest\"}").json().get("key").asText();
            // The key itself works for machines...
            assertThat(server.admin().as(ingestKey).post("/v1/events", "[]").status()).isNotIn(401, 403);
            // ...but never becomes a browser session (it would otherwise be neither admin nor customer).
            HttpResponse<String> signIn = new Http(server.port()).signIn(ingestKey, false);
            assertThat(signIn.statusCode()).isEqualTo(303);
            assertThat(signIn.headers().firstValue("Location")).hasValue("/signin?error=invalid");
            assertThat(signIn.headers().firstValue("Set-Cookie")).isEmpty();
        }
    }

    @Test
    void session_expiresAfterTwelveHours_andTamperedCookieIsRefused() throws Exception {
        MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, clock)) {
            Http http = new Http(server.port());
            String cookie = Http.cookie(http.signIn(TestServer.ADMIN_KEY, false));
            String value = cookie.substring(cookie.indexOf('=') + 1);
            String forged = "tally_session=" + value.substring(0, value.indexOf('.') + 1) + "AAAA" + value.substring(
                    value.indexOf('.') + 5);
            assertThat(http.send("GET", "/v1/customers", forged, null, null).statusCode()).isEqualTo(401);

            clock.advance(Duration.ofHours(11).plusMinutes(59));
            assertThat(http.send("GET", "/v1/customers", cookie, null, null).statusCode()).isEqualTo(200);
            clock.advance(Duration.ofMinutes(1));
            HttpResponse<String> expired = http.send("GET", "/v1/customers", cookie, null, null);
            assertThat(expired.statusCode()).isEqualTo(401);
            assertThat(expired.body()).contains("sign in again");
            assertThat(http.send("GET", "/", cookie, null, null).headers().firstValue("Location")).hasValue("/signin");
        }
    }

    @Test
    void customerSession_isScopedToItsCustomer_andEndsWhenTheKeyIsRevoked() throws Exception {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            server.admin().put("/v1/customers/acme", "{\"name\":\"Acme\"}");
            server.admin().put("/v1/customers/globex", "{\"name\":\"Globex\"}");
            JsonNode issued = server.admin().post("/v1/customers/acme/keys", null).json();
            Http http = new Http(server.port());
            HttpResponse<String> signIn = http.signIn(issued.get("key").asText(), false);
            assertThat(signIn.headers().firstValue("Location")).hasValue("/portal");
            String cookie = Http.cookie(signIn);

            assertThat(http.send("GET", "/v1/me/usage", cookie, null, null).statusCode()).isEqualTo(200);
            assertThat(http.send("GET", "/v1/customers/globex/usage", cookie, null, null).statusCode())
                    .isEqualTo(403);
            assertThat(http.send("GET", "/v1/usage", cookie, null, null).statusCode()).isEqualTo(403);
            assertThat(http.send("GET", "/", cookie, null, null).headers().firstValue("Location"))
                    .hasValue("/portal");
            assertThat(http.send("GET", "/portal", cookie, null, null).statusCode()).isEqualTo(200);

            server.admin().delete("/v1/customers/acme/keys/" + issued.get("id").asText());
            assertThat(http.send("GET", "/v1/me/usage", cookie, null, null).statusCode()).isEqualTo(401);
            assertThat(http.send("GET", "/portal", cookie, null, null).headers().firstValue("Location"))
                    .hasValue("/signin");
        }
    }

    @Test
    void signOut_clearsTheCookie_andPagesRedirectWithoutOne() throws Exception {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"))) {
            Http http = new Http(server.port());
            HttpResponse<String> out = http.send("POST", "/ui/signout", null, null, null);
            assertThat(out.statusCode()).isEqualTo(204);
            assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("tally_session=;")
                    .contains("Max-Age=0");
            assertThat(http.send("GET", "/", null, null, null).headers().firstValue("Location")).hasValue("/signin");
            assertThat(http.send("GET", "/portal", null, null, null).headers().firstValue("Location"))
                    .hasValue("/signin");
            HttpResponse<String> page = http.send("GET", "/signin", null, null, null);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("script-src 'self'");
            assertThat(http.send("GET", "/ui/session", null, null, null).statusCode()).isEqualTo(401);
        }
    }

    /** Raw HTTP, so cookies and redirects are seen as the browser gets them. */
    private record Http(int port) {
        HttpResponse<String> signIn(String key, boolean forwardedHttps) throws IOException, InterruptedException {
            return signIn(key, null, forwardedHttps);
        }

        HttpResponse<String> signIn(String key, String name, boolean forwardedHttps)
                throws IOException, InterruptedException {
            String form = "key=" + java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8)
                    + (name == null ? "" : "&name=" + java.net.URLEncoder.encode(name,
                    java.nio.charset.StandardCharsets.UTF_8));
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ui/signin"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form));
            if (forwardedHttps) {
                b.header("X-Forwarded-Proto", "https");
            }
            return checked(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
        }

        HttpResponse<String> send(String method, String path, String cookie, String csrf, String body)
                throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            if (cookie != null) {
                b.header("Cookie", cookie);
            }
            if (csrf != null) {
                b.header("X-CSRF-Token", csrf);
            }
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            return checked(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
        }

        /** Every answer must be one the OpenAPI document describes. */
        private static HttpResponse<String> checked(HttpResponse<String> response) {
            OpenApiContract.get().check(response);
            return response;
        }

        static String cookie(HttpResponse<String> signIn) {
            String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
            return setCookie.substring(0, setCookie.indexOf(';'));
        }
    }
}
