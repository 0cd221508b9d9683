package dev.tally.core.cluster;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The caches of a node's shared configuration and when to reload them: {@link #check()} compares the store's
 * configuration version with the one last seen and, when it moved, runs every registered reload.
 *
 * <p>Why versions and not the change notifications themselves: a notification can be lost (the listening connection
 * dropped while another node wrote), a version cannot. Notifications only make a check happen sooner. The version is
 * read before the caches are, so a change committed during a reload is either in it or seen by the next check.
 */
public final class ConfigChanges {
    private final ClusterStore store;
    private final Consumer<RuntimeException> onFailure;
    private final List<Runnable> reloads = new CopyOnWriteArrayList<>();
    private long seen;

    /**
     * @param onFailure told of a failed check or reload (logged by the caller); the next check tries again
     */
    public ConfigChanges(ClusterStore store, Consumer<RuntimeException> onFailure) {
        this.store = store;
        this.onFailure = onFailure;
        this.seen = store.configVersion();
    }

    /** Registers a cache's reload; it runs on the checking thread and must not block long. */
    public void onChange(Runnable reload) {
        reloads.add(reload);
    }

    /** Reloads every cache if the configuration changed since the last check; answers whether it did. */
    public synchronized boolean check() {
        long version;
        try {
            version = store.configVersion();
        } catch (RuntimeException e) {
            onFailure.accept(e);
            return false;
        }
        if (version == seen) {
            return false;
        }
        boolean all = true;
        for (Runnable reload : reloads) {
            try {
                reload.run();
            } catch (RuntimeException e) {
                all = false;
                onFailure.accept(e);
            }
        }
        // Only a complete reload moves the version seen, so a failed one is tried again at the next check.
        if (all) {
            seen = version;
        }
        return true;
    }

    /** The version the caches were last reloaded at. */
    public synchronized long seenVersion() {
        return seen;
    }
}
