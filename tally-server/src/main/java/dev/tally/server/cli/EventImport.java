package dev.tally.server.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tally.server.json.Json;
import dev.tally.server.json.JsonErrors;


import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a JSON Lines file of usage events (one event per line, blank lines skipped) as a stream and records it in
 * batches through a {@link BatchPoster}. A line that is not one JSON value is rejected here, with its line number,
 * and never sent. Rejections are reported batch by batch, in line order.
 */
final class EventImport {
    // The server's parser settings (e.g. duplicate keys are an error), so that a line passing here parses there.
    private static final JsonFactory JSON = Json.mapper().getFactory();
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private final BatchPoster poster;
    private final int batchSize;
    private final ImportProgress progress;
    private final Consumer<Rejection> report;
    private final List<BatchPoster.Line> batch = new ArrayList<>();
    private final List<Rejection> localRejections = new ArrayList<>();
    private long accepted;
    private long duplicates;
    private long rejected;
    private long sent;
    private long firstUnsentLine = 1;

    /**
     * @param report receives each rejection, in line order
     */
    EventImport(BatchPoster poster, int batchSize, ImportProgress progress, Consumer<Rejection> report) {
        this.poster = poster;
        this.batchSize = batchSize;
        this.progress = progress;
        this.report = report;
    }

    /** What an import (or the part of it done so far) recorded. */
    record Totals(long accepted, long duplicates, long rejected) {
    }

    /**
     * Imports the file.
     *
     * @throws TallyApiException when a batch fails for another reason than invalid events; {@link #totals()} and
     *                           {@link #firstUnsentLine()} then tell how far it got
     * @throws IOException       when the file cannot be read, or is not UTF-8
     */
    Totals run(Path file) throws IOException {
        try (CountingInputStream in = new CountingInputStream(Files.newInputStream(file));
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                     .onMalformedInput(CodingErrorAction.REPORT)
                     .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
            long number = 0;
            String line;
            while ((line = readLine(reader, file, number + 1)) != null) {
                number++;
                if (number == 1 && !line.isEmpty() && line.charAt(0) == BYTE_ORDER_MARK) {
                    line = line.substring(1);
                }
                add(number, line);
                // Counting local rejections too bounds the memory a file of mostly broken lines takes.
                if (batch.size() + localRejections.size() >= batchSize) {
                    flush();
                    progress.update(in.count(), sent);
                }
            }
            flush();
            progress.update(in.count(), sent);
            progress.clear();
        }
        return totals();
    }

    /** The counts so far. */
    Totals totals() {
        return new Totals(accepted, duplicates, rejected);
    }

    /** The first line whose event was not yet answered by the server. */
    long firstUnsentLine() {
        return firstUnsentLine;
    }

    private void add(long number, String line) {
        if (line.isBlank()) {
            return;
        }
        String problem = notOneJsonValue(line);
        if (problem == null) {
            batch.add(new BatchPoster.Line(number, line));
        } else {
            localRejections.add(new Rejection(number, problem));
        }
    }

    private void flush() {
        List<Rejection> rejections = new ArrayList<>(localRejections);
        if (!batch.isEmpty()) {
            firstUnsentLine = batch.get(0).number();
            BatchPoster.Outcome outcome = poster.post(batch);
            accepted += outcome.accepted();
            duplicates += outcome.duplicates();
            sent += batch.size();
            rejections.addAll(outcome.rejected());
            firstUnsentLine = batch.get(batch.size() - 1).number() + 1;
        }
        rejected += rejections.size();
        rejections.sort(Comparator.comparingLong(Rejection::line));
        if (!rejections.isEmpty()) {
            progress.clear();
            rejections.forEach(report);
        }
        batch.clear();
        localRejections.clear();
    }

    /** Why the line is not exactly one JSON value, or null when it is. */
    private static String notOneJsonValue(String line) {
        try (JsonParser parser = JSON.createParser(line)) {
            parser.nextToken();
            parser.skipChildren();
            if (parser.nextToken() != null) {
                return "is not one JSON value: more follows at column " + parser.currentTokenLocation().getColumnNr();
            }
            return null;
        } catch (JsonProcessingException e) {
            return "is not valid JSON at " + JsonErrors.describe(e).replaceFirst("^line 1, ", "");
        } catch (IOException e) {
            // Parsing a String does no I/O; keep the line out of the batch all the same.
            return "could not be read: " + e.getMessage();
        }
    }

    private static String readLine(BufferedReader reader, Path file, long number) throws IOException {
        try {
            return reader.readLine();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": line " + number + " is not UTF-8 text", e);
        }
    }

    /** Counts the bytes read from the file, for the progress line (ahead by what the reader buffers). */
    private static final class CountingInputStream extends FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
