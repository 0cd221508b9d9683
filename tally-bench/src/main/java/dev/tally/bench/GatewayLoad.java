package dev.tally.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The gateway's added latency: the same OpenAI chat completion sent to a fake upstream directly, through Tally's
 * gateway ({@code /gateway/{upstream}/v1/chat/completions}, authorizing and metering every call) and through
 * Portkey's open-source gateway (forwarding without metering), one target after the other within each phase, so all
 * three see the same machine. Started by {@code tally-bench/gateway/run.sh}, which starts the three servers, the
 * fake upstream ({@code tally-bench/gateway/upstream.mjs}) and afterwards wrk for the most calls/s.
 *
 * <p>Phases, each a warm-up then a measured window per target:
 * <ul>
 *   <li>{@code one}: plain calls on one connection, closed loop (the next sent when the answer ended);</li>
 *   <li>{@code rate}: plain calls at {@code --rate} calls/s over {@code --rate-connections} connections, open loop:
 *       latency from the <em>intended</em> send time into an HdrHistogram, so a stall counts every call due during
 *       it;</li>
 *   <li>{@code stream}: streamed calls ({@code "stream": true}) on one connection: time to first token (the first
 *       byte of the body, which the fake upstream writes at once, the rest a few ms later) and to the stream's
 *       end.</li>
 * </ul>
 * "Added" is a target's percentile minus the direct call's same percentile, measured in the same run.
 *
 * <pre>
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.GatewayLoad --upstream-port 9001 \
 *     --tally-port 9002 --tally-keys tk_a,tk_b --portkey-port 9003 [--warmup 5] [--seconds 15] [--rate 1000]
 * </pre>
 */
public final class GatewayLoad {
    private static final String USAGE = "GatewayLoad --upstream-port N [--tally-port N --tally-keys tk_1,tk_2] "
            + "[--tally-upstream bench] [--portkey-port N] [--warmup 5] [--seconds 15] [--rate 1000] "
            + "[--rate-connections 8] [--phases one,rate,stream]";
    private static final String PLAIN = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"Say hello to the benchmark.\"}],\"max_tokens\":50}";
    private static final String STREAM = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"Say hello to the benchmark.\"}],\"max_tokens\":50,\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true}}";
    private static final byte[] USAGE_SEEN = "\"completion_tokens\"".getBytes(StandardCharsets.US_ASCII);

    private GatewayLoad() {
    }

    /** A server to call: its port, path and the headers of its authentication. */
    private record Target(String name, int port, String path, String[] headers) {
        byte[] request(int connection, boolean stream) {
            byte[] body = (stream ? STREAM : PLAIN).getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                    + headers[connection % headers.length] + "Content-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[h.length + body.length];
            System.arraycopy(h, 0, all, 0, h.length);
            System.arraycopy(body, 0, all, h.length, body.length);
            return all;
        }
    }

    /** One phase: how many connections, at what total rate (0: closed loop), plain or streamed. */
    private record Phase(String name, int connections, int rate, boolean stream) {
    }

    /** What one target did in one phase's measured window. */
    private record Result(long calls, long errors, double seconds, Histogram total, Histogram firstByte) {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "upstream-port", "tally-port", "tally-keys", "tally-upstream",
                "portkey-port", "warmup", "seconds", "rate", "rate-connections", "phases");
        int upstreamPort = flags.integer("upstream-port", 0, 1, 65535);
        int tallyPort = flags.integer("tally-port", 0, 0, 65535);
        int portkeyPort = flags.integer("portkey-port", 0, 0, 65535);
        int warmup = flags.integer("warmup", 5, 0, 600);
        int seconds = flags.integer("seconds", 15, 1, 600);
        int rate = flags.integer("rate", 1000, 1, 100_000);
        int rateConnections = flags.integer("rate-connections", 8, 1, 256);
        List<Target> targets = new ArrayList<>();
        targets.add(new Target("direct", upstreamPort, "/v1/chat/completions",
                new String[] {"Authorization: Bearer sk-bench-upstream\r\n"}));
        if (tallyPort > 0) {
            String[] keys = flags.text("tally-keys", "").split(",");
            String[] headers = new String[keys.length];
            for (int i = 0; i < keys.length; i++) {
                headers[i] = "Authorization: Bearer " + keys[i] + "\r\n";
            }
            targets.add(new Target("tally", tallyPort, "/gateway/" + flags.text("tally-upstream", "bench")
                    + "/v1/chat/completions", headers));
        }
        if (portkeyPort > 0) {
            targets.add(new Target("portkey", portkeyPort, "/v1/chat/completions", new String[] {
                "Authorization: Bearer sk-bench-upstream\r\nx-portkey-provider: openai\r\n"
                        + "x-portkey-custom-host: http://127.0.0.1:" + upstreamPort + "/v1\r\n"}));
        }
        List<Phase> phases = new ArrayList<>();
        for (String p : flags.text("phases", "one,rate,stream").split(",")) {
            phases.add(switch (p) {
                case "one" -> new Phase("plain, 1 connection, closed loop", 1, 0, false);
                case "rate" -> new Phase(String.format("plain, %,d calls/s open loop over %d connections", rate,
                        rateConnections), rateConnections, rate, false);
                case "stream" -> new Phase("stream, 1 connection, closed loop", 1, 0, true);
                default -> throw new IllegalArgumentException("unknown phase " + p + "; " + USAGE);
            });
        }
        System.out.printf("GatewayLoad: warm-up %d s, measured %d s per target and phase; load generator on Java %s,"
                + " %d CPUs%n", warmup, seconds, Runtime.version(), Runtime.getRuntime().availableProcessors());
        for (Phase phase : phases) {
            System.out.printf("%n== %s%n", phase.name);
            Result direct = null;
            for (Target target : targets) {
                run(target, phase, warmup);
                Result r = run(target, phase, seconds);
                print(target.name, phase, r, direct);
                if (direct == null) {
                    direct = r;
                }
            }
        }
    }

    private static void print(String name, Phase phase, Result r, Result direct) {
        Histogram h = phase.stream ? r.firstByte : r.total;
        String what = phase.stream ? "first token" : "latency";
        System.out.printf("  %-8s %,9.0f calls/s, errors %d; %s p50 %.3f ms, p90 %.3f, p99 %.3f, p99.9 %.3f, max %.3f",
                name, r.calls / r.seconds, r.errors, what, ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9),
                Latencies.ms(h.getMaxValue()));
        if (phase.stream) {
            System.out.printf("; whole stream p50 %.3f, p99 %.3f", ms(r.total, 50), ms(r.total, 99));
        }
        if (direct != null) {
            Histogram d = phase.stream ? direct.firstByte : direct.total;
            System.out.printf("%n           added: p50 %+.3f ms, p90 %+.3f ms, p99 %+.3f ms, p99.9 %+.3f ms",
                    ms(h, 50) - ms(d, 50), ms(h, 90) - ms(d, 90), ms(h, 99) - ms(d, 99), ms(h, 99.9) - ms(d, 99.9));
        }
        System.out.println();
    }

    private static double ms(Histogram h, double percentile) {
        return Latencies.ms(h.getValueAtPercentile(percentile));
    }

    /** Runs {@code phase} against {@code target} for {@code seconds}; answers counted only when status 200. */
    private static Result run(Target target, Phase phase, int seconds) throws InterruptedException {
        Histogram total = Latencies.histogram();
        Histogram firstByte = Latencies.histogram();
        AtomicLong calls = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime() + 10_000_000L;
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < phase.connections; c++) {
            byte[] request = target.request(c, phase.stream);
            long period = phase.rate == 0 ? 0 : (long) (phase.connections * 1e9 / phase.rate);
            long first = start + period * c / phase.connections;
            Thread t = new Thread(() -> drive(target.port, request, first, period, end, total, firstByte, calls,
                    errors), "gateway-load-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(seconds + 40L));
        }
        return new Result(calls.get(), errors.get(), seconds, total, firstByte);
    }

    /**
     * One connection's calls until {@code end}: every {@code period} ns from {@code first} (latency from the intended
     * send), or back to back when the period is 0 (latency from the actual send). Gives up 30 s after the end.
     */
    private static void drive(int port, byte[] request, long first, long period, long end, Histogram total,
                              Histogram firstByte, AtomicLong calls, AtomicLong errors) {
        long intended = first;
        long giveUp = end + TimeUnit.SECONDS.toNanos(30);
        try (HttpLoadConnection http = new HttpLoadConnection(port, USAGE_SEEN)) {
            while (intended < end && System.nanoTime() < giveUp) {
                long now;
                while ((now = System.nanoTime()) < intended) {
                    LockSupport.parkNanos(intended - now);
                }
                long from = period == 0 ? now : intended;
                try {
                    http.exchange(request);
                    long done = System.nanoTime();
                    if (http.status() == 200 && http.found()) {
                        synchronized (total) {
                            total.recordValue(Math.max(1, (done - from) / 1000));
                            firstByte.recordValue(Math.max(1, (http.firstBodyNanos() - from) / 1000));
                        }
                        calls.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                    }
                } catch (IOException | RuntimeException e) {
                    errors.incrementAndGet();
                    http.close();
                }
                intended = period == 0 ? System.nanoTime() : intended + period;
            }
        }
    }
}
