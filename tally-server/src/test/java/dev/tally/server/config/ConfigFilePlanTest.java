package dev.tally.server.config;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.testing.InMemoryCatalogStore;
import dev.tally.server.json.CatalogJson;
import dev.tally.server.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Plans in {@code tally.yaml}: a plan's {@code failure_policy} is read like the API's. */
class ConfigFilePlanTest {
    @TempDir
    Path dir;
    private final Catalog catalog = new Catalog(new InMemoryCatalogStore());

    private void seed(String yaml) throws IOException {
        Path file = dir.resolve("tally.yaml");
        Files.writeString(file, yaml);
        ConfigFile.read(file).seed(catalog, new CatalogJson(Json.mapper()), Instant.parse("2026-11-20T12:00:00Z"));
    }

    @Test
    void seed_planWithFailurePolicy_storesIt_andAbsentIsTheDefault() throws IOException {
        seed("""
                plans:
                  strict:
                    failure_policy: fail_closed
                    limits: [{metric: requests, window: day, amount: 10}]
                  lenient:
                    limits: []
                """);

        assertThat(catalog.plan("strict").orElseThrow().failurePolicy()).isEqualTo(FailurePolicy.FAIL_CLOSED);
        assertThat(catalog.plan("lenient").orElseThrow().failurePolicy()).isNull();
    }

    @Test
    void seed_unknownFailurePolicy_failsNamingTheFieldAndWritesNothing() {
        assertThatThrownBy(() -> seed("""
                plans:
                  strict:
                    failure_policy: sometimes
                """)).hasMessageContaining("failure_policy").hasMessageContaining("sometimes");
        assertThat(catalog.plans()).isEmpty();
    }
}
