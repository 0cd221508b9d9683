package dev.tally.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Tally server in its own JVM, for tests that kill it the hard way. */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Tally listening on http://[^:]+:(\\d+)");
    private static final int START_DEADLINE_SECONDS = 180;

    private final Process process;
    private final int port;

    private ServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts {@code tally serve} on a free port with its data in {@code dataDir}; waits until it listens. */
    public static ServerProcess start(Path dataDir, String adminKey) throws IOException {
        return start(dataDir, adminKey, "serve");
    }

    /**
     * Starts {@code tally COMMAND} (a server command: {@code serve} or {@code demo}) with {@code flags}, on a free
     * port with its data in {@code dataDir}; waits until it listens.
     */
    public static ServerProcess start(Path dataDir, String adminKey, String command, String... flags)
            throws IOException {
        return start(dataDir, adminKey, Map.of(), command, flags);
    }

    /**
     * Starts {@code tally serve} like {@link #start(Path, String)}, with {@code environment} added to the process's
     * environment (for example {@code TALLY_DATABASE_URL} and {@code TALLY_REDIS_URL} for a node of several).
     */
    public static ServerProcess start(Path dataDir, String adminKey, Map<String, String> environment)
            throws IOException {
        return start(dataDir, adminKey, environment, "serve");
    }

    /**
     * Starts {@code tally serve} like {@link #start(Path, String)}, its JVM given {@code jvmOptions} (for example
     * {@code -Xmx96m}, to show that something does not grow the heap).
     */
    public static ServerProcess startWithJvmOptions(Path dataDir, String adminKey, List<String> jvmOptions)
            throws IOException {
        return start(dataDir, adminKey, jvmOptions, Map.of(), "serve");
    }

    private static ServerProcess start(Path dataDir, String adminKey, Map<String, String> environment,
                                       String command, String... flags) throws IOException {
        return start(dataDir, adminKey, List.of(), environment, command, flags);
    }

    private static ServerProcess start(Path dataDir, String adminKey, List<String> jvmOptions,
                                       Map<String, String> environment, String command, String... flags)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> line = new java.util.ArrayList<>(List.of(java));
        line.addAll(jvmOptions);
        line.addAll(List.of("-cp", classpath, "dev.tally.server.Main",
                command, "--port", "0", "--data-dir", dataDir.toString()));
        line.addAll(List.of(flags));
        ProcessBuilder pb = new ProcessBuilder(line);
        pb.environment().put("TALLY_ADMIN_KEY", adminKey);
        pb.environment().remove("TALLY_DATABASE_URL");
        pb.environment().remove("TALLY_CONFIG");
        pb.environment().remove("TALLY_HOST");
        pb.environment().putAll(environment);
        pb.redirectErrorStream(true);
        Process process = pb.start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Path log = dataDir.resolve("server.log");
        Thread reader = new Thread(() -> pump(process, port, log), "server-output");
        reader.setDaemon(true);
        reader.start();
        try {
            // A deadline, not a wait: a JVM starting beside two others and a build on 2 cores (load average 32 in CI)
            // took more than 60 s to listen; a healthy start on a quiet machine takes about 2 s.
            return new ServerProcess(process, port.get(START_DEADLINE_SECONDS, TimeUnit.SECONDS));
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IOException("the server process did not start listening within " + START_DEADLINE_SECONDS
                    + " s; its output ended with:\n"
                    + tail(log), e);
        }
    }

    /** Reads the server's output for its port, keeping it in {@code log} for whoever looks into a failure. */
    private static void pump(Process process, CompletableFuture<Integer> port, Path log) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.write(line);
                out.write('\n');
                out.flush();
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException e) {
            port.completeExceptionally(e);
        }
        port.completeExceptionally(new IOException("the server process exited before listening"));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** Whether the process still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    public int port() {
        return port;
    }

    /** Kills the process with SIGKILL: no shutdown hook, no draining. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
