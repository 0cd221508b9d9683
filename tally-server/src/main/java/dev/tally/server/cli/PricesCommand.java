package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code tally prices}: the price catalog. */
@Command(name = "prices", mixinStandardHelpOptions = true, description = "Manage the price catalog.",
        subcommands = PricesCommand.Import.class)
public final class PricesCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code tally prices import FILE --effective-from DATE [--dry-run]}: sends a LiteLLM price file to
     * {@code POST /v1/prices/import} and prints the models added, changed, unchanged and skipped.
     */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Import a LiteLLM model_prices_and_context_window.json file into the price catalog.")
    static final class Import extends ApiCommand {
        @Parameters(index = "0", paramLabel = "FILE", description = "the LiteLLM price file (JSON)")
        Path file;

        @Option(names = "--effective-from", required = true, paramLabel = "WHEN",
                description = "when the imported prices start: a date YYYY-MM-DD (UTC) or an ISO-8601 timestamp")
        String effectiveFrom;

        @Option(names = "--dry-run", description = "only print what would change; change nothing")
        boolean dryRun;

        @Override
        int run(TallyApiClient api) throws IOException {
            String body = Files.readString(file, StandardCharsets.UTF_8);
            JsonNode report = api.postJson("/v1/prices/import?effective_from="
                    + TallyApiClient.segment(effectiveFrom) + "&dry_run=" + dryRun, body);
            print(report);
            return 0;
        }

        private void print(JsonNode report) {
            JsonNode counts = report.path("counts");
            out().printf("%s from %s: %d added, %d changed, %d unchanged, %d skipped%n",
                    report.path("dry_run").asBoolean() ? "dry run, nothing changed" : "imported",
                    report.path("effective_from").asText(), counts.path("added").asInt(),
                    counts.path("changed").asInt(), counts.path("unchanged").asInt(),
                    counts.path("skipped").asInt());
            for (JsonNode m : report.path("added")) {
                out().printf("added     %s %s (%d prices)%n", m.path("provider").asText(), m.path("model").asText(),
                        m.path("prices").size());
            }
            for (JsonNode m : report.path("changed")) {
                out().printf("changed   %s %s:", m.path("provider").asText(), m.path("model").asText());
                for (JsonNode c : m.path("changes")) {
                    out().printf(" %s%s %s -> %s", c.path("metric").asText(), tier(c),
                            c.path("before").isNull() ? "none" : c.path("before").path("unit_price").asText(),
                            c.path("after").path("unit_price").asText());
                }
                out().println(" (per 1,000,000)");
            }
            for (JsonNode m : report.path("unchanged")) {
                out().printf("unchanged %s %s%n", m.path("provider").asText(), m.path("model").asText());
            }
            for (JsonNode s : report.path("skipped")) {
                out().printf("skipped   %s: %s%n", s.path("key").asText(), s.path("reason").asText());
            }
        }

        private static String tier(JsonNode change) {
            long above = change.path("above_prompt_tokens").asLong();
            return above == 0 ? "" : " (above " + above + " prompt tokens)";
        }
    }
}
