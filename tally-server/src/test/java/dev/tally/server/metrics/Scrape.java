package dev.tally.server.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A Prometheus text exposition parsed into samples, for assertions on families, labels and values. */
record Scrape(String text, List<Sample> samples) {
    /** One sample line: the series name, its labels, its value. */
    record Sample(String name, Map<String, String> labels, double value) {
        boolean has(String... pairs) {
            for (int i = 0; i < pairs.length; i += 2) {
                if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
                    return false;
                }
            }
            return true;
        }
    }

    static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            double value = Double.parseDouble(line.substring(space + 1));
            int brace = series.indexOf('{');
            String name = brace < 0 ? series : series.substring(0, brace);
            Map<String, String> labels = new TreeMap<>();
            if (brace >= 0) {
                // Label values here never hold quotes or commas (routes, codes, pool names).
                for (String pair : series.substring(brace + 1, series.length() - 1).split(",")) {
                    if (!pair.isEmpty()) {
                        int eq = pair.indexOf('=');
                        labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
                    }
                }
            }
            samples.add(new Sample(name, labels, value));
        }
        return new Scrape(text, samples);
    }

    /** The samples of {@code name} whose labels include every given {@code key, value} pair. */
    List<Sample> find(String name, String... pairs) {
        return samples.stream().filter(s -> s.name().equals(name) && s.has(pairs)).toList();
    }

    /** The sum of the samples of {@code name} with those labels (0 if there are none). */
    double sum(String name, String... pairs) {
        return find(name, pairs).stream().mapToDouble(Sample::value).sum();
    }

    /** The names of every family's samples. */
    List<String> names() {
        return samples.stream().map(Sample::name).distinct().toList();
    }
}
