package dev.tally.core.gateway;

import java.util.Objects;

/**
 * An API the gateway forwards to: {@code /gateway/{name}/rest} goes to {@code baseUrl + "/rest"}.
 *
 * @param name      its path segment, lower-case letters, digits, {@code -} and {@code _}
 * @param type      how its usage is read
 * @param baseUrl   where calls go, {@code http} or {@code https}, without a trailing slash
 * @param provider  the provider named in its events
 * @param sealedKey its API key, sealed by the server; null if calls go without one (or only with customers' keys)
 */
public record Upstream(String name, UpstreamType type, String baseUrl, String provider, String sealedKey) {
    public Upstream {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(provider, "provider");
    }
}
