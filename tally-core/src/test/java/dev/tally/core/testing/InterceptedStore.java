package dev.tally.core.testing;

import dev.tally.core.store.UsageStore;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store with hooks a test runs around its calls: to hold a commit until the test lets it go, to make it fail,
 * or to see the order in which appends are prepared. Every call still goes to the real store; nothing is mocked.
 */
public final class InterceptedStore {
    private InterceptedStore() {
    }

    /** What runs around the store's calls; each hook does nothing unless overridden. */
    public interface Hooks {
        /** Before a call of {@code method} is passed to the store. */
        default void beforeCall(String method) {
        }

        /** After the {@code n}th append was prepared (from 1, in the order of {@code prepareAppend} calls). */
        default void prepared(int n) {
        }

        /** Before the {@code n}th prepared append writes; throwing here fails that write. */
        default void beforeWrite(int n) {
        }
    }

    /** {@code real} seen through {@code port}, with {@code hooks} run around its calls. */
    public static <T extends UsageStore> T of(Class<T> port, T real, Hooks hooks) {
        AtomicInteger prepares = new AtomicInteger();
        Object proxy = Proxy.newProxyInstance(InterceptedStore.class.getClassLoader(), new Class<?>[] {port},
                (self, method, args) -> {
                    hooks.beforeCall(method.getName());
                    Object result;
                    try {
                        result = method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (!method.getName().equals("prepareAppend")) {
                        return result;
                    }
                    int n = prepares.incrementAndGet();
                    hooks.prepared(n);
                    UsageStore.PreparedAppend append = (UsageStore.PreparedAppend) result;
                    return (UsageStore.PreparedAppend) () -> {
                        hooks.beforeWrite(n);
                        return append.write();
                    };
                });
        return port.cast(proxy);
    }
}
