package dev.tally.server.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tally.core.alert.AlertSettings;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Plan;
import dev.tally.core.pricing.Price;
import dev.tally.core.problem.Problems;
import dev.tally.core.problem.ValidationException;
import dev.tally.server.json.CatalogJson;
import dev.tally.server.json.JsonFields;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The declarative {@code tally.yaml}: server settings, and the plans, prices and customers seeded into the store at
 * every start (created or replaced, so the file is the source of truth for what it names; what it does not name is
 * left alone). The sections use the same fields and rules as the HTTP API.
 *
 * <pre>
 * server:    {port: 8080, data_dir: ./data, database_url: ..., retention_days: 90}
 * plans:     {pro: {name: Pro, limits: [{metric: requests, window: month, amount: 1000000}]}}
 * prices:    [{provider: openai, model: gpt-4o, metric: input_tokens, unit_price: "2.50", per: 1000000}]
 * customers: {acme: {name: Acme Corp, plan: pro, timezone: Europe/Berlin, billing_day: 1}}
 * alerts:    {cost: {default: "100.00"}, rate_spike: {factor: 5, min_requests: 100}}   (see AlertConfig)
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
            throw new IllegalArgumentException(source + ": must be a mapping with server, plans, prices, customers, alerts");
        }
        Problems problems = new Problems();
        JsonFields top = new JsonFields(node, "", problems);
        List.of("server", "plans", "prices", "customers", "alerts").forEach(top::raw);
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
        return result.build();
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
        failOn(source, problems);
        plans.forEach(catalog::putPlan);
        if (!prices.isEmpty()) {
            catalog.putPrices(prices);
        }
        customers.forEach(catalog::putCustomer);
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
