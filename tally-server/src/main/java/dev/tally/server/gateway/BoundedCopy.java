package dev.tally.server.gateway;

import java.util.Arrays;

/**
 * A copy of a plain JSON answer as it passes, to read its usage at the end, up to a bound: an answer larger than that
 * (a long embedding list, say) is not copied further, and its usage is then estimated and marked so.
 */
final class BoundedCopy {
    private final int limit;
    private byte[] bytes = new byte[4096];
    private int length;
    private boolean overflowed;

    BoundedCopy(int limit) {
        this.limit = limit;
    }

    void add(byte[] b, int off, int len) {
        if (overflowed) {
            return;
        }
        if (length + len > limit) {
            overflowed = true;
            bytes = null;
            return;
        }
        if (length + len > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(bytes.length * 2, length + len)));
        }
        System.arraycopy(b, off, bytes, length, len);
        length += len;
    }

    /** Whether the answer was larger than the bound (then {@link #bytes} is null). */
    boolean overflowed() {
        return overflowed;
    }

    byte[] bytes() {
        return bytes;
    }

    int length() {
        return length;
    }
}
