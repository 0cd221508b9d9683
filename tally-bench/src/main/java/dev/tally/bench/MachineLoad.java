package dev.tally.bench;

import com.sun.management.OperatingSystemMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who used the machine's CPUs during a measurement: this JVM, PostgreSQL's processes, and everything else. The
 * benchmarks share a small machine; a figure taken while other work ran is only readable with this beside it.
 * Reads Linux's {@code /proc}; elsewhere it reports nothing.
 */
final class MachineLoad {
    /** Clock ticks per second of {@code /proc} CPU times ({@code USER_HZ}); 100 on every mainstream Linux. */
    private static final double TICKS = 100.0;

    private final long busyTicks;
    private final long postgresTicks;
    private final long redisTicks;
    private final long ownNanos;
    private final long at;

    private MachineLoad(long busyTicks, long postgresTicks, long redisTicks, long ownNanos, long at) {
        this.busyTicks = busyTicks;
        this.postgresTicks = postgresTicks;
        this.redisTicks = redisTicks;
        this.ownNanos = ownNanos;
        this.at = at;
    }

    static MachineLoad sample() {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return new MachineLoad(machineBusyTicks(), ticksOf("postgres"), ticksOf("redis-server"),
                os.getProcessCpuTime(), System.nanoTime());
    }

    /**
     * {@code CPU: this JVM 1.62 cores, PostgreSQL 0.00, Redis 0.00, other processes 0.05 (of 2)} since
     * {@code before}. "Other processes" includes Tally servers this command started in processes of their own.
     */
    String since(MachineLoad before) {
        if (busyTicks < 0 || before.busyTicks < 0) {
            return "CPU: not measured (no /proc/stat)";
        }
        double wall = (at - before.at) / 1e9;
        double all = (busyTicks - before.busyTicks) / TICKS / wall;
        double own = (ownNanos - before.ownNanos) / 1e9 / wall;
        double postgres = (postgresTicks - before.postgresTicks) / TICKS / wall;
        double redis = (redisTicks - before.redisTicks) / TICKS / wall;
        return String.format("CPU: this JVM %.2f cores, PostgreSQL %.2f, Redis %.2f, other processes %.2f (of %d)",
                own, postgres, redis, Math.max(0, all - own - postgres - redis),
                Runtime.getRuntime().availableProcessors());
    }

    /** CPU ticks Redis's processes have used (every client's work, not only this run's). */
    static long redisTicks() {
        return ticksOf("redis-server");
    }

    /** The machine's load average over 1, 5 and 15 minutes ({@code /proc/loadavg}), or "?" elsewhere. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** Busy ticks of all CPUs: everything but idle and iowait. */
    private static long machineBusyTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** User and system ticks of every process named {@code name} (e.g. {@code postgres}, {@code redis-server}). */
    private static long ticksOf(String name) {
        long ticks = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    if (!stat.substring(open + 1, close).equals(name)) {
                        continue;
                    }
                    String[] f = stat.substring(close + 2).split(" ");
                    // After the name: state is field 0, utime field 11, stime field 12.
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException e) {
                    // The process ended while we looked: it no longer counts.
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks;
    }
}
