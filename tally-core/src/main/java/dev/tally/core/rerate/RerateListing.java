package dev.tally.core.rerate;

import java.util.List;

/**
 * One page of stored re-ratings, newest first.
 *
 * @param reratings the records of this page
 * @param next      where the next page starts, or null when this is the last
 */
public record RerateListing(List<Rerating> reratings, RerateCursor next) {
    public RerateListing {
        reratings = List.copyOf(reratings);
    }
}
