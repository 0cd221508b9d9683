package dev.tally.store;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * A PostgreSQL {@code LISTEN} on a dedicated connection (not one of the pool's: it is held for the node's life), on
 * its own daemon thread. When the connection fails it is opened again after a second; a notification missed
 * meanwhile costs nothing but time, since nodes also poll the configuration version.
 */
final class ChangeListener implements AutoCloseable {
    /** The channel every configuration change is announced on; the payload is the schema that changed. */
    static final String CHANNEL = "tally_config";
    private static final Logger LOG = LoggerFactory.getLogger(ChangeListener.class);
    private static final int WAIT_MILLIS = 500;
    private static final long RECONNECT_MILLIS = 1_000;

    private final Supplier<Connection> connect;
    private final LongConsumer onChange;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Connection current;

    ChangeListener(Supplier<Connection> connect, LongConsumer onChange) {
        this.connect = connect;
        this.onChange = onChange;
        this.thread = new Thread(this::run, "tally-config-listener");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!closed) {
            try (Connection c = connect.get()) {
                current = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                // Whatever changed while this connection was not listening is found by the check this triggers.
                onChange.accept(-1);
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] received = pg.getNotifications(WAIT_MILLIS);
                    if (received != null && received.length > 0) {
                        onChange.accept(received.length);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!closed) {
                    LOG.warn("Listening for configuration changes failed ({}); reconnecting in {} ms (changes are "
                            + "still found by the version check)", e.getMessage(), RECONNECT_MILLIS);
                    pause();
                }
            } finally {
                current = null;
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(RECONNECT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        Connection c = current;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Closing is all that is wanted; the thread ends either way.
            }
        }
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
