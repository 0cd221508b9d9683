package dev.tally.server.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of the test's own on a free port, keeping nothing on disk, for tests that stop, freeze or restart
 * it: a restart comes back empty, as a Redis without persistence does.
 */
public final class PrivateRedis implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    private PrivateRedis(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Starts one on a free port, with its log in {@code dir}; returns once it accepts connections. */
    public static PrivateRedis start(Path dir) throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        PrivateRedis redis = new PrivateRedis(dir, port);
        redis.startProcess();
        return redis;
    }

    private void startProcess() throws IOException {
        process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis-" + port + ".log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IllegalStateException("redis-server did not start on port " + port, notYet);
                }
                Thread.onSpinWait();
            }
        }
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Kills it (SIGKILL) and starts a new one on the same port: everything it held is gone. */
    public void restartEmpty() throws IOException, InterruptedException {
        kill();
        startProcess();
    }

    /** Kills it (SIGKILL). */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Stops its process (SIGSTOP): connections stay open, nothing answers, and it keeps its data. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Lets a frozen one go on (SIGCONT). */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            thaw();
            kill();
        }
    }
}
