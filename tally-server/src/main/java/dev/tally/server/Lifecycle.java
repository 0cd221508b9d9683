package dev.tally.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The components of a server in the order they were started, stopped in reverse: by {@link TallyServer#close()}, and
 * by the start-up itself when it fails half-way ({@link #abort}), so that a failed start leaves no thread running
 * (the JVM can exit) and no connection open.
 *
 * <p>A component counts as started once its starter returned; one whose starter threw is expected to have cleaned up
 * after itself. Stopping goes on past a component that fails to stop: the failure is logged (or, on abort, kept as a
 * suppressed exception of the start-up's failure) and the earlier components are still stopped.
 */
final class Lifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

    private final Deque<Started> started = new ArrayDeque<>();
    private boolean stopped;

    private record Started(String name, Runnable stop) {
    }

    /**
     * Starts a component and remembers how to stop it.
     *
     * @param name    what it is, for logs (e.g. "event writer")
     * @param starter starts it and hands it back; if it throws, nothing is remembered
     * @param stopper stops it
     */
    synchronized <T> T start(String name, Supplier<T> starter, Consumer<? super T> stopper) {
        if (stopped) {
            throw new IllegalStateException("cannot start " + name + ": the server has already stopped");
        }
        T component = starter.get();
        started.push(new Started(name, () -> stopper.accept(component)));
        LOG.debug("Started {}", name);
        return component;
    }

    /** Stops every started component, the last started first; later calls do nothing. */
    synchronized void stop() {
        stopAll(null);
    }

    /**
     * Stops what a failed start-up had started, the last first; failures to stop are added to {@code failure} as
     * suppressed exceptions, so the cause of the failed start stays the one reported.
     */
    synchronized void abort(Throwable failure) {
        LOG.warn("Start-up failed; stopping the {} components already started", started.size());
        stopAll(failure);
    }

    private void stopAll(Throwable failure) {
        stopped = true;
        for (Started component; (component = started.poll()) != null; ) {
            try {
                component.stop().run();
            } catch (RuntimeException | Error e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else {
                    LOG.error("Stopping the {} failed; stopping the others anyway", component.name(), e);
                }
            }
        }
    }
}
