package dev.tally.core.rerate;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a listing of re-ratings goes on: after the record created at {@code createdAt} with id {@code id}, in the
 * listing's order (newest first, then id descending). A position, not an offset: records stored meanwhile neither
 * repeat nor hide others.
 *
 * @param createdAt when the last record of the previous page was created
 * @param id        its id
 */
public record RerateCursor(Instant createdAt, String id) {
    public RerateCursor {
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(id, "id");
    }

    /** The cursor after {@code last}. */
    public static RerateCursor after(Rerating last) {
        return new RerateCursor(last.createdAt(), last.id());
    }
}
