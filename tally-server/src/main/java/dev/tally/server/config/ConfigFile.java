package dev.tally.server.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tally.core.alert.AlertSettings;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Messages;
import dev.tally.core.customer.Plan;
import dev.tally.core.customer.EmailAddresses;
import dev.tally.core.customer.Ids;
import dev.tally.core.notify.Channel;
import dev.tally.core.notify.ChannelType;
import dev.tally.core.notify.NotificationStore;
import dev.tally.core.notify.WebhookSignature;
import dev.tally.core.pricing.Price;
import dev.tally.core.problem.Problems;
import dev.tally.core.problem.ValidationException;
import dev.tally.server.gateway.GatewaySettings;
import dev.tally.server.gateway.Upstreams;
import dev.tally.server.json.CatalogJson;
import dev.tally.server.json.JsonFields;
import dev.tally.server.json.MessagesJson;
import dev.tally.server.json.NotificationJson;
import dev.tally.server.notify.SmtpSettings;
import dev.tally.server.notify.WebhookTargets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The declarative {@code tally.yaml}: server settings, and the plans, prices and customers seeded into the store at
 * every start (created or replaced, so the file is the source of truth for what it names; what it does not name is
 * left alone). The sections use the same fields and rules as the HTTP API.
 *
 * <pre>
 * server:    {port: 8080, data_dir: ./data, database_url: ..., retention_days: 90, webhook_allow_internal: [...],
 *             rollup_interval_ms: 5000}
 * plans:     {pro: {name: Pro, limits: [{metric: requests, window: month, amount: 1000000}]}}
 * prices:    [{provider: openai, model: gpt-4o, metric: input_tokens, unit_price: "2.50", per: 1000000}]
 * customers: {acme: {name: Acme Corp, plan: pro, timezone: Europe/Berlin, billing_day: 1}}
 * alerts:    {cost: {default: "100.00"}, rate_spike: {factor: 5, min_requests: 100}}   (see AlertConfig)
 * messages:  {denied: "...", threshold: "...", limits: {requests-day: {denied: "..."}}}   (see MessagesJson)
 * channels:  [{id: ops-hook, type: webhook, url: https://..., secret: whsec_..., events: [alert.exceeded]}]
 * smtp:      {host: smtp.example.com, port: 587, from: tally@example.com, username: tally, starttls: true}
 * </pre>
 */
public final class ConfigFile {
    private final String source;
    private final ObjectNode root;

    private ConfigFile(String source, ObjectNode root) {
        this.source = source;
        this.root = root;
    }

    /**
     * Reads and checks the file's shape.
     *
     * @throws IllegalArgumentException naming the file and the problem if it cannot be read or is not a mapping
     */
    public static ConfigFile read(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return parse(path.toString(), in);
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /** Reads a config shipped on the classpath, such as the example the demo loads. */
    public static ConfigFile readResource(String resource) {
        try (InputStream in = ConfigFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException(resource + ": not found on the classpath");
            }
            return parse("classpath:" + resource, in);
        } catch (IOException e) {
            throw new IllegalArgumentException(resource + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private static ConfigFile parse(String source, InputStream in) throws IOException {
        // Decimals such as unit_price: 2.50 must never pass through a double.
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        JsonNode node = yaml.readTree(in);
        if (node == null || node.isMissingNode() || node.isNull()) {
            return new ConfigFile(source, yaml.createObjectNode());
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(source + ": must be a mapping with server, plans, prices, customers, "
                    + "alerts, channels, smtp");
        }
        Problems problems = new Problems();
        JsonFields top = new JsonFields(node, "", problems);
        List.of("server", "plans", "prices", "customers", "alerts", "messages", "channels", "smtp", "upstreams",
                "gateway")
                .forEach(top::raw);
        top.rejectUnknown();
        failOn(source, problems);
        return new ConfigFile(source, (ObjectNode) node);
    }

    /** The config with the {@code server:} section laid over it. */
    public ServerConfig applyServerSection(ServerConfig config) {
        JsonNode server = root.get("server");
        if (server == null || server.isNull()) {
            return config;
        }
        Problems problems = new Problems();
        JsonFields f = new JsonFields(server, "server.", problems);
        Long port = f.integer("port", 0, 65_535, false);
        String dataDir = f.text("data_dir", false);
        String databaseUrl = f.text("database_url", false);
        Long retentionDays = f.integer("retention_days", ServerConfig.MIN_RETENTION.toDays(), 36_500, false);
        Long maxBody = f.integer("max_body_bytes", 1024, Integer.MAX_VALUE, false);
        Long httpThreads = f.integer("http_threads", 0, 10_000, false);
        WebhookTargets webhookTargets = webhookTargets(f.raw("webhook_allow_internal"), problems);
        Long bodyTimeout = f.integer("body_timeout_seconds", 1, 3_600, false);
        Long rollupInterval = f.integer("rollup_interval_ms", ServerConfig.MIN_ROLLUP_INTERVAL.toMillis(),
                ServerConfig.MAX_ROLLUP_INTERVAL.toMillis(), false);
        f.rejectUnknown();
        failOn(source, problems);
        ServerConfig.Builder result = config.toBuilder();
        if (port != null) {
            result.port(port.intValue());
        }
        if (dataDir != null) {
            result.dataDir(Path.of(dataDir));
        }
        if (databaseUrl != null) {
            result.databaseUrl(databaseUrl);
        }
        if (retentionDays != null) {
            result.retention(Duration.ofDays(retentionDays));
        }
        if (maxBody != null) {
            result.maxBodyBytes(maxBody);
        }
        if (httpThreads != null) {
            result.httpThreads(httpThreads.intValue());
        }
        if (webhookTargets != null) {
            result.webhookTargets(webhookTargets);
        }
        if (bodyTimeout != null) {
            result.bodyTimeout(Duration.ofSeconds(bodyTimeout));
        }
        if (rollupInterval != null) {
            result.rollupInterval(Duration.ofMillis(rollupInterval));
        }
        return result.build();
    }

    /** {@code webhook_allow_internal}: a list of CIDR blocks, addresses and host names, or one comma-separated text. */
    private static WebhookTargets webhookTargets(JsonNode node, Problems problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        List<String> entries = new ArrayList<>();
        if (node.isTextual()) {
            entries.addAll(List.of(node.asText().split(",")));
        } else if (node.isArray()) {
            for (JsonNode entry : node) {
                entries.add(entry.isTextual() ? entry.asText() : entry.toString());
            }
        } else {
            problems.add("server.webhook_allow_internal", "must be a list of CIDR blocks, addresses or host "
                    + "names, was " + JsonFields.describe(node));
            return null;
        }
        try {
            return WebhookTargets.allowing(entries);
        } catch (IllegalArgumentException e) {
            problems.add("server.webhook_allow_internal", e.getMessage());
            return null;
        }
    }

    /**
     * The alert rules of the {@code alerts:} section, or the defaults when there is none.
     *
     * @throws IllegalArgumentException naming the file and every problem of the section
     */
    public AlertSettings alertSettings() {
        Problems problems = new Problems();
        AlertSettings settings = AlertConfig.parse(root.get("alerts"), problems);
        failOn(source, problems);
        return settings;
    }

    /** The ids of the customers the file names, in file order (none when it has no {@code customers:} section). */
    public List<String> customerIds() {
        List<String> ids = new ArrayList<>();
        JsonNode customers = root.get("customers");
        if (customers != null && customers.isObject()) {
            customers.fieldNames().forEachRemaining(ids::add);
        }
        return ids;
    }

    /**
     * Creates or replaces the plans, prices and customers the file names: plans first (customers name them), then
     * prices, then customers. Everything is validated before anything is written.
     */
    public void seed(Catalog catalog, CatalogJson parser, Instant now) {
        List<Plan> plans = new ArrayList<>();
        List<Customer> customers = new ArrayList<>();
        List<Price> prices = List.of();
        Problems problems = new Problems();
        forEachEntry("plans", (id, body) -> plans.add(parser.parsePlan(id, body)), problems);
        Messages messages = MessagesJson.parse(root.get("messages"), "messages", problems);
        forEachEntry("customers", (id, body) -> customers.add(parser.parseCustomer(id, body, now)), problems);
        JsonNode priceList = root.get("prices");
        if (priceList != null && !priceList.isNull()) {
            try {
                prices = parser.parsePrices(priceList);
            } catch (ValidationException e) {
                problems.addAll("prices", e.errors());
            }
        }
        for (Customer c : customers) {
            boolean planKnown = c.planId() == null || catalog.plan(c.planId()).isPresent()
                    || plans.stream().anyMatch(p -> p.id().equals(c.planId()));
            if (!planKnown) {
                problems.add("customers." + c.id() + ".plan", "must name a plan of this file or of the store, '"
                        + c.planId() + "' is neither");
            }
        }
        // Limits the enforcement counters cannot count (with Redis: above 2^53-1 stored) fail the start, not each call.
        plans.forEach(p -> catalog.checkCountable("plans." + p.id() + ".limits", p.limits(), problems));
        customers.forEach(c -> catalog.checkCountable("customers." + c.id() + ".limits", c.limits(), problems));
        failOn(source, problems);
        catalog.defaultMessages(messages);
        plans.forEach(catalog::putPlan);
        if (!prices.isEmpty()) {
            catalog.putPrices(prices);
        }
        customers.forEach(catalog::putCustomer);
    }

    /**
     * The {@code smtp:} section, with the password from {@code env} ({@value SmtpSettings#PASSWORD_VARIABLE}), or
     * null when the file has none (e-mail channels are then refused).
     */
    public SmtpSettings smtp(Map<String, String> env) {
        JsonNode node = root.get("smtp");
        if (node == null || node.isNull()) {
            return null;
        }
        Problems problems = new Problems();
        JsonFields f = new JsonFields(node, "smtp.", problems);
        String host = f.text("host", true);
        Long port = f.integer("port", 1, 65_535, false);
        String from = f.text("from", true);
        if (from != null && !EmailAddresses.isValid(from)) {
            problems.add("smtp.from", EmailAddresses.RULE + ", was \"" + from + "\"");
        }
        String username = f.text("username", false);
        Boolean startTls = flag(f, "starttls", problems);
        Boolean ssl = flag(f, "ssl", problems);
        Long timeoutSeconds = f.integer("timeout_seconds", 1, 300, false);
        f.rejectUnknown();
        String password = env.get(SmtpSettings.PASSWORD_VARIABLE);
        if (username != null && (password == null || password.isEmpty())) {
            problems.add("smtp.username", "needs the password in the environment variable "
                    + SmtpSettings.PASSWORD_VARIABLE + ", which is not set");
        }
        failOn(source, problems);
        return new SmtpSettings(host, port == null ? SmtpSettings.DEFAULT_PORT : port.intValue(), from, username,
                username == null ? null : password, Boolean.TRUE.equals(startTls), Boolean.TRUE.equals(ssl),
                timeoutSeconds == null ? SmtpSettings.DEFAULT_TIMEOUT : Duration.ofSeconds(timeoutSeconds));
    }

    private static Boolean flag(JsonFields f, String name, Problems problems) {
        JsonNode value = f.raw(name);
        if (value != null && !value.isBoolean()) {
            problems.add("smtp." + name, "must be true or false, was " + JsonFields.describe(value));
            return null;
        }
        return value == null ? null : value.asBoolean();
    }

    /**
     * Creates or replaces the channels of the {@code channels:} list, all validated before any is written. A webhook
     * without a secret keeps the one stored for it, or gets a new one.
     *
     * @return the secrets generated now, by channel id, to be shown once
     */
    public Map<String, String> seedChannels(NotificationStore store, NotificationJson parser, boolean smtpConfigured) {
        JsonNode node = root.get("channels");
        Map<String, String> generated = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return generated;
        }
        Problems problems = new Problems();
        List<Channel> channels = new ArrayList<>();
        if (!node.isArray()) {
            problems.add("channels", "must be a list of channels, each with an id");
        } else {
            for (int i = 0; i < node.size(); i++) {
                parseChannel(node.get(i), "channels[" + i + "].", store, parser, smtpConfigured, problems)
                        .ifPresent(channels::add);
            }
        }
        failOn(source, problems);
        for (Channel c : channels) {
            Channel stored = c;
            if (c.type() == ChannelType.WEBHOOK && c.secret() == null) {
                stored = c.withSecret(WebhookSignature.newSecret());
                generated.put(c.id(), stored.secret());
            }
            store.putChannel(stored);
        }
        return generated;
    }

    private static java.util.Optional<Channel> parseChannel(JsonNode item, String prefix, NotificationStore store,
                                                            NotificationJson parser, boolean smtpConfigured,
                                                            Problems problems) {
        if (item == null || !item.isObject() || !item.path("id").isTextual()) {
            problems.add(prefix + "id", "is required: each channel is a mapping with an id");
            return java.util.Optional.empty();
        }
        String id = item.get("id").asText();
        ObjectNode body = ((ObjectNode) item).deepCopy();
        body.remove("id");
        try {
            Channel existing = Ids.isValid(id) ? store.channel(id).orElse(null) : null;
            return java.util.Optional.of(parser.parseChannel(id, body, existing, smtpConfigured));
        } catch (ValidationException e) {
            problems.addAll(prefix, e.errors());
            return java.util.Optional.empty();
        }
    }

    private void forEachEntry(String section, EntryParser parser, Problems problems) {
        JsonNode node = root.get(section);
        if (node == null || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            problems.add(section, "must be a mapping from id to definition");
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                parser.parse(e.getKey(), e.getValue() == null || e.getValue().isNull()
                        ? new ObjectMapper().createObjectNode() : e.getValue());
            } catch (ValidationException ex) {
                problems.addAll(section + "." + e.getKey() + ".", ex.errors());
            }
        }
    }

    /**
     * Puts the gateway's upstreams of {@code upstreams:} in the store (by name, as {@code PUT /v1/upstreams/{name}}
     * takes them). {@code api_key_env: VARIABLE} reads the key from the environment, so it need not be in the file.
     */
    public void seedUpstreams(Upstreams upstreams, Map<String, String> env) {
        Problems problems = new Problems();
        Map<String, ObjectNode> puts = new LinkedHashMap<>();
        forEachEntry("upstreams", (name, body) -> {
            if (!body.isObject()) {
                throw ValidationException.of("", "must be a mapping with type, base_url and api_key or api_key_env");
            }
            ObjectNode copy = ((ObjectNode) body).deepCopy();
            JsonNode variable = copy.remove("api_key_env");
            if (variable != null) {
                String value = variable.isTextual() ? env.get(variable.asText()) : null;
                if (value == null) {
                    throw ValidationException.of("api_key_env", "must name a set environment variable, "
                            + variable + " is not set");
                }
                copy.put("api_key", value);
            }
            puts.put(name, copy);
        }, problems);
        failOn(source, problems);
        puts.forEach((name, body) -> {
            try {
                upstreams.put(name, body);
            } catch (ValidationException e) {
                problems.addAll("upstreams." + name + ".", e.errors());
            }
        });
        failOn(source, problems);
    }

    /** The {@code gateway:} section: upstream timeouts and HTTP/2; bodies read up to {@code maxBodyBytes}. */
    public GatewaySettings gatewaySettings(long maxBodyBytes) {
        GatewaySettings defaults = GatewaySettings.defaults(maxBodyBytes);
        JsonNode node = root.get("gateway");
        if (node == null || node.isNull()) {
            return defaults;
        }
        Problems problems = new Problems();
        JsonFields f = new JsonFields(node, "gateway.", problems);
        Long connect = f.integer("connect_timeout_seconds", 1, 300, false);
        Long timeout = f.integer("timeout_seconds", 1, 86_400, false);
        JsonNode http2Node = f.raw("http2");
        if (http2Node != null && !http2Node.isBoolean()) {
            problems.add("gateway.http2", "must be true or false, was " + JsonFields.describe(http2Node));
        }
        Boolean http2 = http2Node == null || !http2Node.isBoolean() ? null : http2Node.asBoolean();
        f.rejectUnknown();
        failOn(source, problems);
        return new GatewaySettings(connect == null ? defaults.connectTimeout() : Duration.ofSeconds(connect),
                timeout == null ? defaults.responseTimeout() : Duration.ofSeconds(timeout),
                http2 == null ? defaults.http2() : http2, maxBodyBytes, defaults.copyLimitBytes());
    }

    private static void failOn(String source, Problems problems) {
        if (!problems.isEmpty()) {
            StringBuilder sb = new StringBuilder(source + " is not valid:");
            problems.list().forEach(p -> sb.append("\n  - ").append(p.message()));
            throw new IllegalArgumentException(sb.toString());
        }
    }

    @FunctionalInterface
    private interface EntryParser {
        void parse(String id, JsonNode body);
    }
}
