package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.gateway.Upstream;
import dev.tally.core.gateway.UpstreamStore;
import dev.tally.core.gateway.UpstreamType;
import dev.tally.core.problem.NotFoundException;
import dev.tally.core.problem.Problems;
import dev.tally.server.json.JsonFields;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The gateway's upstreams and the keys customers bring for them: validation, sealing, and a cache that the hot path
 * reads (one store read per upstream and per customer key, until any node changes the configuration).
 *
 * <p>Rules: a name is {@code [a-z0-9][a-z0-9_-]{0,62}}; {@code base_url} is an absolute {@code http} or
 * {@code https} URL without query or fragment, and may name a loopback or private address (a local Ollama or vLLM
 * is a common upstream; only the admin configures upstreams, unlike webhook targets, which customers' alerts reach).
 * Keys are write-only: sealed here before they are stored, opened only to forward a call.
 */
public final class Upstreams {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final int MAX_KEY_CHARS = 4096;

    private final UpstreamStore store;
    private final Catalog catalog;
    private final KeySealer sealer;
    private volatile Map<String, Upstream> byName;
    /** Opened keys by customer and upstream; an empty value means the customer brought none. */
    private final Map<String, Optional<String>> customerKeys = new ConcurrentHashMap<>();
    private final Map<String, String> openedKeys = new ConcurrentHashMap<>();

    public Upstreams(UpstreamStore store, Catalog catalog, KeySealer sealer) {
        this.store = store;
        this.catalog = catalog;
        this.sealer = sealer;
    }

    /** Forgets what is cached: called when any node changed the configuration. */
    public void reload() {
        byName = null;
        customerKeys.clear();
    }

    /** Every upstream, by name. */
    public List<Upstream> list() {
        return List.copyOf(upstreams().values());
    }

    /** The upstream of this name, or empty. */
    public Optional<Upstream> find(String name) {
        return Optional.ofNullable(upstreams().get(name));
    }

    private Map<String, Upstream> upstreams() {
        Map<String, Upstream> m = byName;
        if (m == null) {
            Map<String, Upstream> read = new java.util.TreeMap<>();
            store.upstreams().forEach(u -> read.put(u.name(), u));
            m = java.util.Collections.unmodifiableMap(read);
            byName = m;
        }
        return m;
    }

    /**
     * Creates or replaces an upstream from its JSON ({@code type, base_url, api_key?, provider?}); a replacement sent
     * without {@code api_key} keeps the key it had.
     *
     * @return the upstream as stored (its key sealed)
     */
    public Upstream put(String name, JsonNode body) {
        Problems problems = new Problems();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add("name", "must be 1 to 63 lower-case letters, digits, '-' or '_', starting with a letter or "
                    + "digit, was \"" + name + "\"");
        }
        JsonFields f = new JsonFields(body, "", problems);
        if (!f.isObject()) {
            problems.add("body", "must be an object such as {\"type\": \"openai\", \"base_url\": "
                    + "\"https://api.openai.com\", \"api_key\": \"sk-...\"}, was " + JsonFields.describe(body));
            problems.throwIfAny("The upstream is not valid; nothing was changed");
        }
        String typeName = f.text("type", true);
        UpstreamType type = typeName == null ? null : UpstreamType.fromWireName(typeName);
        if (typeName != null && type == null) {
            problems.add("type", "must be openai, anthropic, elevenlabs or http, was \"" + typeName + "\"");
        }
        String baseUrl = baseUrl(f.text("base_url", true), problems);
        String key = f.text("api_key", false);
        if (key != null && (key.isBlank() || key.length() > MAX_KEY_CHARS || !printable(key))) {
            problems.add("api_key", "must be 1 to " + MAX_KEY_CHARS + " printable ASCII characters");
        }
        String provider = f.text("provider", false);
        if (provider != null && (provider.isBlank() || provider.length() > 64)) {
            problems.add("provider", "must be 1 to 64 characters");
        }
        f.rejectUnknown();
        problems.throwIfAny("The upstream is not valid; nothing was changed");
        String sealed = key != null ? sealer.seal(key) : find(name).map(Upstream::sealedKey).orElse(null);
        Upstream upstream = new Upstream(name, type, baseUrl, provider != null ? provider : type.wireName(), sealed);
        store.putUpstream(upstream);
        reload();
        return upstream;
    }

    /** Deletes an upstream and every customer key for it; 404 if there is none. */
    public void delete(String name) {
        if (!store.deleteUpstream(name)) {
            throw new NotFoundException("upstream", name);
        }
        reload();
    }

    /** Sets a customer's own key for an upstream from {@code {"api_key": "..."}}; 404 for an unknown either. */
    public void putCustomerKey(String customerId, String upstream, JsonNode body) {
        catalog.requireCustomer(customerId);
        requireUpstream(upstream);
        Problems problems = new Problems();
        JsonFields f = new JsonFields(body, "", problems);
        if (!f.isObject()) {
            problems.add("body", "must be an object such as {\"api_key\": \"sk-...\"}, was "
                    + JsonFields.describe(body));
            problems.throwIfAny("The key is not valid; nothing was changed");
        }
        String key = f.text("api_key", true);
        if (key != null && (key.isBlank() || key.length() > MAX_KEY_CHARS || !printable(key))) {
            problems.add("api_key", "must be 1 to " + MAX_KEY_CHARS + " printable ASCII characters");
        }
        f.rejectUnknown();
        problems.throwIfAny("The key is not valid; nothing was changed");
        store.putUpstreamKey(customerId, upstream, sealer.seal(key));
        customerKeys.remove(cacheKey(customerId, upstream));
    }

    /** Deletes a customer's own key for an upstream; 404 if it had none. */
    public void deleteCustomerKey(String customerId, String upstream) {
        catalog.requireCustomer(customerId);
        if (!store.deleteUpstreamKey(customerId, upstream)) {
            throw new NotFoundException("upstream key of customer " + customerId + " for", upstream);
        }
        customerKeys.remove(cacheKey(customerId, upstream));
    }

    /** The key a call of this customer to this upstream is sent with (the customer's own first), or null. */
    String keyFor(String customerId, Upstream upstream) {
        Optional<String> own = customerKeys.computeIfAbsent(cacheKey(customerId, upstream.name()),
                k -> store.upstreamKey(customerId, upstream.name()).map(sealer::open));
        if (own.isPresent()) {
            return own.get();
        }
        return upstream.sealedKey() == null ? null : opened(upstream.sealedKey());
    }

    /**
     * An upstream's key, opened once per sealed value (AES-GCM on every call was 4% of a call's CPU): a changed key
     * is a new sealed value, so the memo never answers a stale key.
     */
    private String opened(String sealed) {
        if (openedKeys.size() > 1_000) {
            openedKeys.clear(); // only keys replaced many times over pile up here
        }
        return openedKeys.computeIfAbsent(sealed, sealer::open);
    }

    private void requireUpstream(String name) {
        if (find(name).isEmpty()) {
            throw new NotFoundException("upstream", name);
        }
    }

    private static String cacheKey(String customerId, String upstream) {
        return customerId + '\n' + upstream;
    }

    private static String baseUrl(String text, Problems problems) {
        if (text == null) {
            return null;
        }
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                problems.add("base_url", "must be an absolute http or https URL without user, query or fragment, "
                        + "such as https://api.openai.com, was \"" + text + "\"");
                return null;
            }
            return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        } catch (URISyntaxException e) {
            problems.add("base_url", "must be an absolute http or https URL, was \"" + text + "\"");
            return null;
        }
    }

    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
