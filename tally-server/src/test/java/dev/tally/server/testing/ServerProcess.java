package dev.tally.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Tally server in its own JVM, for tests that kill it the hard way. */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Tally listening on http://[^:]+:(\\d+)");

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
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> line = new java.util.ArrayList<>(List.of(java, "-cp", classpath, "dev.tally.server.Main",
                command, "--port", "0", "--data-dir", dataDir.toString()));
        line.addAll(List.of(flags));
        ProcessBuilder pb = new ProcessBuilder(line);
        pb.environment().put("TALLY_ADMIN_KEY", adminKey);
        pb.environment().remove("TALLY_DATABASE_URL");
        pb.environment().remove("TALLY_CONFIG");
        pb.redirectErrorStream(true);
        Process process = pb.start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> pump(process, port), "server-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return new ServerProcess(process, port.get(60, TimeUnit.SECONDS));
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IOException("the server process did not start listening within 60 s", e);
        }
    }

    private static void pump(Process process, CompletableFuture<Integer> port) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
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
