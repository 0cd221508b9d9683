package dev.tally.server.http;

import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a list, with the contract's {@code limit} and opaque {@code cursor} parameters: lists sorted by id
 * continue after the last id (stable under inserts), other orders continue at an offset.
 *
 * @param items      the items of this page
 * @param nextCursor the cursor of the next page, or null if this is the last
 */
public record Page<T>(List<T> items, String nextCursor) {
    /** Cuts the page that {@code ctx}'s {@code limit} and {@code cursor} ask for out of a list sorted by id. */
    public static <T> Page<T> byId(Context ctx, List<T> sortedById, Function<T, String> id) {
        int limit = Requests.intParam(ctx, "limit", Requests.DEFAULT_PAGE, 1, Requests.MAX_PAGE);
        String cursor = ctx.queryParam("cursor");
        String after = cursor == null ? null : decode(cursor);
        int from = 0;
        if (after != null) {
            while (from < sortedById.size() && id.apply(sortedById.get(from)).compareTo(after) <= 0) {
                from++;
            }
        }
        int to = Math.min(sortedById.size(), from + limit);
        List<T> items = sortedById.subList(from, to);
        String next = to < sortedById.size() ? encode(id.apply(sortedById.get(to - 1))) : null;
        return new Page<>(items, next);
    }

    /** Cuts the page that {@code ctx} asks for out of a list in any fixed order, by position. */
    public static <T> Page<T> byOffset(Context ctx, List<T> ordered) {
        int limit = Requests.intParam(ctx, "limit", Requests.DEFAULT_PAGE, 1, Requests.MAX_PAGE);
        String cursor = ctx.queryParam("cursor");
        int from = 0;
        if (cursor != null) {
            try {
                from = Integer.parseInt(decode(cursor));
            } catch (NumberFormatException e) {
                throw HttpProblem.badRequest("cursor", "cursor: is not a cursor returned by this API");
            }
        }
        int start = Math.min(Math.max(0, from), ordered.size());
        int to = Math.min(ordered.size(), start + limit);
        return new Page<>(ordered.subList(start, to), to < ordered.size() ? encode(Integer.toString(to)) : null);
    }

    private static String encode(String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String cursor) {
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw HttpProblem.badRequest("cursor", "cursor: is not a cursor returned by this API");
        }
    }
}
