package dev.tally.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Where a server process's CPU went, by kind of thread: a sample of every thread's user + system ticks (Linux
 * {@code /proc/<pid>/task}), and the difference of two samples grouped by thread name (the JIT's compiler threads,
 * the garbage collector, Lettuce's Netty event loop, Jetty's HTTP threads, the rest). A server's CPU per request
 * mixes its steady work with warm-up and background jobs; this tells them apart without a profiler, and CPU time does
 * not move with the machine's load the way latency does.
 *
 * <p>A thread that ended between the samples loses what it used after the first one; one that started counts all of
 * its CPU. Elsewhere than on Linux the sample is empty.
 */
final class ThreadCpu {
    /** Clock ticks per second of {@code /proc} CPU times ({@code USER_HZ}). */
    private static final double TICKS = 100.0;
    /** Groups in the order they are printed; a thread belongs to the first whose name prefix it has. */
    private static final String[][] SERVER_GROUPS = {
            {"JIT", "C1 CompilerThre", "C2 CompilerThre", "Sweeper thread"},
            {"GC", "GC Thread", "G1 ", "VM Thread", "VM Periodic"},
            {"Redis client", "lettuce-"},
            {"HTTP", "qtp", "ForkJoinPool", "Connector", "tally-http"},
    };

    /**
     * The groups of an ingesting JVM that holds the load generator too ({@link IngestLoad}). Linux keeps 15
     * characters of a thread's name, so {@code tally-writer-prepare} is {@code tally-writer-pr} and comes before
     * {@code tally-writer}.
     */
    static final String[][] INGEST_GROUPS = {
            {"JIT", "C1 CompilerThre", "C2 CompilerThre", "Sweeper thread"},
            {"GC", "GC Thread", "G1 ", "VM Thread", "VM Periodic"},
            {"load generator", "load-client-", "HttpClient-"},
            {"HTTP", "qtp", "ForkJoinPool", "Connector", "tally-http"},
            {"prepare", "tally-writer-pr"},
            {"commit", "tally-writer"},
            {"roller", "tally-rollup-ro"},
    };

    private final Map<Integer, Long> ticksByThread;
    private final Map<Integer, String> nameByThread;
    private final String[][] groups;

    private ThreadCpu(Map<Integer, Long> ticksByThread, Map<Integer, String> nameByThread, String[][] groups) {
        this.ticksByThread = ticksByThread;
        this.nameByThread = nameByThread;
        this.groups = groups;
    }

    /** Every thread's CPU ticks of process {@code pid} now. */
    static ThreadCpu sample(long pid) {
        return sample(pid, SERVER_GROUPS);
    }

    /** Every thread's CPU ticks of process {@code pid} now, to be grouped by {@code groups}' name prefixes. */
    static ThreadCpu sample(long pid, String[][] groups) {
        Map<Integer, Long> ticks = new HashMap<>();
        Map<Integer, String> names = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String[] f = stat.substring(close + 2).split(" ");
                    int tid = Integer.parseInt(task.getFileName().toString());
                    // After the name: state is field 0, utime field 11, stime field 12.
                    ticks.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                    names.put(tid, stat.substring(open + 1, close));
                } catch (IOException | RuntimeException e) {
                    // The thread ended while we looked.
                }
            }
        } catch (IOException e) {
            // No /proc (not Linux) or the process ended: nothing to report.
        }
        return new ThreadCpu(ticks, names, groups);
    }

    /** CPU seconds used since {@code before}, by group ({@code JIT}, {@code GC}, ..., {@code other}). */
    Map<String, Double> secondsSince(ThreadCpu before) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (String[] group : groups) {
            seconds.put(group[0], 0.0);
        }
        seconds.put("other", 0.0);
        ticksByThread.forEach((tid, now) -> {
            long used = now - before.ticksByThread.getOrDefault(tid, 0L);
            seconds.merge(groupOf(nameByThread.get(tid)), used / TICKS, Double::sum);
        });
        return seconds;
    }

    private String groupOf(String threadName) {
        for (String[] group : groups) {
            for (int i = 1; i < group.length; i++) {
                if (threadName.startsWith(group[i])) {
                    return group[0];
                }
            }
        }
        return "other";
    }

    /**
     * {@code JIT 12.0, GC 3.1, Redis client 40.2, HTTP 60.3, other 1.0 us} per request: each group's CPU divided by
     * {@code requests}.
     */
    static String perRequest(Map<String, Double> seconds, long requests) {
        StringJoiner out = new StringJoiner(", ", "", " us");
        seconds.forEach((group, s) -> out.add(String.format("%s %.1f", group, requests == 0 ? 0 : s * 1e6 / requests)));
        return out.toString();
    }
}
