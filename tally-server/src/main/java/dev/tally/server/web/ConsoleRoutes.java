package dev.tally.server.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.server.http.Authenticator;
import dev.tally.server.http.HttpProblem;
import dev.tally.server.http.Principal;
import dev.tally.server.http.Sessions;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * The admin console ({@code /}), the customer portal ({@code /portal}), sign-in and the session endpoints. Pages are
 * plain HTML files whose scripts read everything through the JSON API; this class only decides which page a browser
 * may see and keeps the session cookie. Assets ({@code /assets/...}, {@code /webjars/...}) are static files.
 */
public final class ConsoleRoutes {
    /** Strict enough to stop injected scripts; charts set inline styles, hence 'unsafe-inline' for styles only. */
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /** Longest name an operator may sign in with. */
    static final int MAX_NAME = 64;

    private final Authenticator auth;
    private final Sessions sessions;
    private final ObjectMapper json;
    private final String adminPage = page("admin.html");
    private final String portalPage = page("portal.html");
    private final String signInPage = page("signin.html");
    private final byte[] favicon = bytes("favicon.ico");

    public ConsoleRoutes(Authenticator auth, Sessions sessions, ObjectMapper json) {
        this.auth = auth;
        this.sessions = sessions;
        this.json = json;
    }

    public void register(RoutesConfig routes) {
        routes.get("/", ctx -> {
            Optional<Principal> who = auth.session(ctx).map(Sessions.Session::principal);
            if (who.isEmpty()) {
                seeOther(ctx, "/signin");
            } else if (who.get() instanceof Principal.CustomerKey) {
                seeOther(ctx, "/portal");
            } else {
                html(ctx, adminPage);
            }
        });
        routes.get("/portal", ctx -> {
            Optional<Principal> who = auth.session(ctx).map(Sessions.Session::principal);
            if (who.isEmpty()) {
                seeOther(ctx, "/signin");
            } else if (who.get() instanceof Principal.Admin) {
                seeOther(ctx, "/");
            } else {
                html(ctx, portalPage);
            }
        });
        routes.get("/signin", ctx -> html(ctx, signInPage));
        routes.post("/ui/signin", this::signIn);
        routes.post("/ui/signout", this::signOut);
        routes.get("/ui/session", this::session);
        // Browsers ask for it on every page; a 404 each time fills logs and consoles (issue 15.6).
        routes.get("/favicon.ico", ctx -> ctx.header("Cache-Control", "public, max-age=86400")
                .contentType("image/x-icon").result(favicon));
    }

    /**
     * Checks the key of the sign-in form and sets the session cookie. A wrong key goes back to the form with an
     * error; the key itself is never stored or echoed.
     */
    private void signIn(Context ctx) {
        String key = ctx.formParam("key");
        // Only people sign in: the admin key and customer keys. An ingest key (for machines) is refused like a
        // wrong key, so it can never turn into a browser session.
        Optional<Principal> principal = (key == null || key.isBlank() ? Optional.<Principal>empty()
                : auth.resolve(key.trim()))
                .filter(p -> p instanceof Principal.Admin || p instanceof Principal.CustomerKey);
        if (principal.isEmpty()) {
            seeOther(ctx, "/signin?error=invalid");
            return;
        }
        String name = consoleUserName(ctx.formParam("name"));
        if (name == null) {
            seeOther(ctx, "/signin?error=name");
            return;
        }
        Principal who = principal.get() instanceof Principal.Admin a
                ? new Principal.Admin(a.keyId(), true, name.isEmpty() ? null : name) : principal.get();
        Sessions.Session session = sessions.start(who);
        setCookie(ctx, sessions.token(session), Sessions.TTL.toSeconds());
        seeOther(ctx, principal.get() instanceof Principal.Admin ? "/" : "/portal");
    }

    /**
     * The name an operator gives at sign-in, recorded as who made a correction: stripped, empty when none was given;
     * null (refused) when longer than {@value #MAX_NAME} characters or holding control characters.
     */
    static String consoleUserName(String given) {
        String name = given == null ? "" : given.strip();
        if (name.length() > MAX_NAME || name.chars().anyMatch(Character::isISOControl)) {
            return null;
        }
        return name;
    }

    /** Clears the cookie; needs no session, so a stale cookie can always be dropped. */
    private void signOut(Context ctx) {
        setCookie(ctx, "", 0);
        ctx.status(204);
    }

    /** Who is signed in, and the CSRF token the page must send with every change. */
    private void session(Context ctx) {
        Sessions.Session s = auth.session(ctx)
                .orElseThrow(() -> HttpProblem.unauthorized("not signed in; sign in at /signin"));
        ObjectNode out = json.createObjectNode();
        if (s.principal() instanceof Principal.CustomerKey c) {
            out.put("principal", "customer");
            out.put("customer", c.customerId());
        } else {
            out.put("principal", "admin");
            out.putNull("customer");
            out.put("who", ((Principal.Admin) s.principal()).who());
        }
        out.put("csrf_token", sessions.csrfToken(s));
        out.put("expires_at", s.expiresAt().toString());
        ctx.header("Cache-Control", "no-store");
        ctx.json(out);
    }

    /** HttpOnly (scripts never see it), SameSite=Strict (not sent from other sites), Secure when served over https. */
    private static void setCookie(Context ctx, String value, long maxAgeSeconds) {
        boolean https = "https".equalsIgnoreCase(ctx.scheme())
                || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
        ctx.res().addHeader("Set-Cookie", Sessions.COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds
                + "; HttpOnly; SameSite=Strict" + (https ? "; Secure" : ""));
    }

    /**
     * A 303 to {@code location} with no body: Javalin's own redirect writes a text body ("Redirected") that nothing
     * reads and the OpenAPI document would otherwise have to describe.
     */
    private static void seeOther(Context ctx, String location) {
        ctx.status(HttpStatus.SEE_OTHER).header("Location", location);
    }

    private static void html(Context ctx, String page) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-store");
        ctx.contentType("text/html; charset=utf-8").result(page);
    }

    private static String page(String name) {
        return new String(bytes(name), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String name) {
        try (InputStream in = ConsoleRoutes.class.getResourceAsStream("/web/" + name)) {
            if (in == null) {
                throw new IllegalStateException("web/" + name + " is missing from the server's resources");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
