package dev.tally.server.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

/**
 * The options every client command shares: which server to talk to ({@code --url}, env {@code TALLY_URL}) and which
 * key to send ({@code --key}, env {@code TALLY_KEY}, else {@code TALLY_ADMIN_KEY}, so that the shell that started
 * the server can use it at once, else a personal server's key file in the data directory, {@link PersonalKey}).
 */
public final class ClientOptions {
    /** Where {@code tally serve} listens unless told otherwise. */
    public static final String DEFAULT_URL = "http://localhost:8080";

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--url", paramLabel = "URL",
            description = "server URL (env TALLY_URL, else " + DEFAULT_URL + ")")
    String url;

    @Option(names = "--key", paramLabel = "KEY",
            description = "API key (env TALLY_KEY, else TALLY_ADMIN_KEY; the environment keeps it out of the "
                    + "process list)")
    String key;

    /**
     * A client for the server and key these options (or the environment) name.
     *
     * @throws ParameterException if the URL is not an http(s) URL or no key is given anywhere
     */
    TallyApiClient connect(Map<String, String> env) {
        return new TallyApiClient(baseUrl(env), apiKey(env));
    }

    private String baseUrl(Map<String, String> env) {
        String value = firstSet(url, env.get("TALLY_URL"), DEFAULT_URL);
        String trimmed = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        try {
            URI uri = new URI(trimmed);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return trimmed;
            }
        } catch (URISyntaxException e) {
            // reported below, with the rule
        }
        throw new ParameterException(mixee.commandLine(),
                "--url: must be an http or https URL such as " + DEFAULT_URL + ", was '" + value + "'");
    }

    private String apiKey(Map<String, String> env) {
        String value = firstSet(key, env.get("TALLY_KEY"), env.get("TALLY_ADMIN_KEY"), PersonalKey.find(env));
        if (value == null) {
            throw new ParameterException(mixee.commandLine(),
                    "no API key: pass --key or set TALLY_KEY (or TALLY_ADMIN_KEY); a personal server's key is read "
                            + "from ./data/" + PersonalKey.FILE);
        }
        return value;
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
