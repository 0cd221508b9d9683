package dev.tally.server.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL of the test's own (initdb and pg_ctl of the newest PostgreSQL under /usr/lib/postgresql, run as the
 * {@code postgres} user, on a free port in a temporary directory), for tests that freeze it: the machine's shared
 * PostgreSQL must never be stopped by a test.
 */
public final class PrivatePostgres implements AutoCloseable {
    private final Path dir;
    private final int port;

    private PrivatePostgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Creates and starts one; returns once it accepts connections. */
    public static PrivatePostgres start() throws Exception {
        Path dir = Files.createTempDirectory("tally-private-pg");
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        run("chown", "-R", "postgres", dir.toString());
        asPostgres(bin("initdb"), "-D", dir.resolve("data").toString(), "-A", "trust", "-U", "postgres", "--no-sync");
        PrivatePostgres postgres = new PrivatePostgres(dir, port);
        postgres.startAgain();
        return postgres;
    }

    /** Starts it again after {@link #stop}, on the same port and data; returns once it accepts connections. */
    public void startAgain() throws Exception {
        asPostgres(bin("pg_ctl"), "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(),
                "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "-w", "start");
    }

    /** Stops it at once ({@code pg_ctl -m immediate}: no checkpoint, connections cut), keeping its data. */
    public void stop() throws Exception {
        asPostgres(bin("pg_ctl"), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
    }

    /** The JDBC URL of its {@code postgres} database. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    /**
     * Stops its processes (SIGSTOP): connections stay open and nothing answers. The postmaster first, so that it
     * forks no new backend between listing its children and stopping them (a backend forked then would go on
     * serving, and the database would not be silent at all).
     */
    public void freeze() throws Exception {
        run("kill", "-STOP", postmaster());
        signalChildren("-STOP");
    }

    /** Lets the frozen processes go on (SIGCONT). */
    public void thaw() throws Exception {
        signalChildren("-CONT");
        run("kill", "-CONT", postmaster());
    }

    private String postmaster() throws IOException {
        return Files.readAllLines(dir.resolve("data").resolve("postmaster.pid")).get(0).trim();
    }

    private void signalChildren(String signal) throws Exception {
        List<String> command = new ArrayList<>(List.of("kill", signal));
        ProcessHandle.of(Long.parseLong(postmaster())).orElseThrow().children()
                .forEach(child -> command.add(String.valueOf(child.pid())));
        if (command.size() > 2) {
            // A child may exit between listing and signalling (its connection closed): kill then fails for that
            // one only, and every other child got the signal.
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            kill.getInputStream().readAllBytes();
            if (!kill.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError(String.join(" ", command) + " did not end");
            }
        }
    }

    /** Stops it at once and deletes its files. */
    @Override
    public void close() throws Exception {
        try {
            thaw();
            stop();
        } catch (Exception | AssertionError alreadyStopped) {
            // Stopped by the test, or never started.
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String bin(String program) throws IOException {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            Path version = versions.filter(v -> Files.isExecutable(v.resolve("bin").resolve(program)))
                    .max(Comparator.comparing(v -> Integer.parseInt(v.getFileName().toString().replaceAll("\\D", ""))))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL " + program
                            + " under /usr/lib/postgresql: this test needs one"));
            return version.resolve("bin").resolve(program).toString();
        }
    }

    private static void asPostgres(String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(List.of(command));
        run(full.toArray(String[]::new));
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + output);
        }
    }
}
