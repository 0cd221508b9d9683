package dev.tally.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code tally import FILE.jsonl}: records the usage events of a JSON Lines file (one event per line), in batches,
 * with a progress line on a terminal, then a summary and every rejection by line number. Exits 0 when every event
 * was accepted or already stored, 1 when any was rejected or the import stopped.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Record the usage events of a JSON Lines file (one event per line; blank lines skipped). "
                + "Importing a file again is safe: events whose id is already stored count as duplicates.")
public final class ImportCommand extends ApiCommand {
    static final int MAX_BATCH = 10_000;

    @Parameters(paramLabel = "FILE", description = "the events, one JSON object per line")
    Path file;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "1000",
            description = "events per request, 1 to " + MAX_BATCH + " (default ${DEFAULT-VALUE})")
    int batchSize;

    /** How retries wait; tests record instead of sleeping. */
    Sleeper sleeper = Sleeper.SYSTEM;

    @Override
    int run(TallyApiClient api) throws IOException {
        checkArguments();
        ImportProgress progress = Terminal.isInteractive()
                ? new ImportProgress(err(), Files.size(file), System::nanoTime) : ImportProgress.none();
        BatchPoster poster = new BatchPoster(api, sleeper, notice -> {
            progress.clear();
            err().println(notice);
        });
        EventImport importer = new EventImport(poster, batchSize, progress, r -> out().println(r));
        EventImport.Totals totals;
        try {
            totals = importer.run(file);
        } catch (TallyApiException e) {
            progress.clear();
            err().println(e.getMessage());
            err().println(stopped(importer));
            return EXIT_FAILED;
        }
        out().println("imported " + file + ": " + summary(totals));
        return totals.rejected() > 0 ? EXIT_FAILED : 0;
    }

    private void checkArguments() {
        if (batchSize < 1 || batchSize > MAX_BATCH) {
            throw new ParameterException(spec.commandLine(), "--batch-size: must be from 1 to " + MAX_BATCH
                    + " (the server's limit per request), was " + batchSize);
        }
        if (!Files.isRegularFile(file)) {
            throw new ParameterException(spec.commandLine(), "FILE: no such file: " + file);
        }
    }

    private String stopped(EventImport importer) {
        return "import of " + file + " stopped at line " + Figures.count(importer.firstUnsentLine())
                + "; the lines before it were sent (" + summary(importer.totals()) + "). Running it again is "
                + "safe for events with an id: those already stored count as duplicates.";
    }

    private static String summary(EventImport.Totals t) {
        return Figures.count(t.accepted()) + " accepted, " + Figures.count(t.duplicates())
                + (t.duplicates() == 1 ? " duplicate, " : " duplicates, ") + Figures.count(t.rejected())
                + " rejected";
    }
}
