package dev.tally.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;

/**
 * JDBC arrays that the PostgreSQL driver sends in its binary format: a column of values as a {@code String[]},
 * {@code Long[]} or {@code Integer[]}, never an {@code Object[]}.
 *
 * <p>Why: pgjdbc picks an array's encoder by the Java array's class. An {@code Object[]} is always written as text
 * (each number through {@code Long.toString}, each string quoted and escaped into one large string, then encoded
 * again as UTF-8), and PostgreSQL parses that text back; a typed array whose element type matches the SQL type is
 * written as binary (8 bytes a {@code bigint}, a string's UTF-8 bytes with their length). The text form was most of
 * the appending thread's CPU and allocation on PostgreSQL, and much of the roller's (issue 12.5). Nulls are kept.
 */
final class PgArrays {
    private PgArrays() {
    }

    /**
     * An empty column of {@code rows} values for SQL type {@code type} ({@code text}, {@code bigint} or
     * {@code integer}), typed so that {@link #of} sends it in binary; storing a value of another Java type in it
     * fails at once ({@link ArrayStoreException}).
     */
    static Object[] column(String type, int rows) {
        return switch (type) {
            case "text" -> new String[rows];
            case "bigint" -> new Long[rows];
            case "integer" -> new Integer[rows];
            default -> throw new IllegalArgumentException("no typed column for SQL type " + type
                    + ": expected text, bigint or integer");
        };
    }

    /**
     * The array of {@code values} as SQL type {@code type}; values given as an {@code Object[]} are copied into a
     * typed column first.
     */
    static Array of(Connection connection, String type, Object[] values) throws SQLException {
        Object[] typed = values;
        if (values.getClass() == Object[].class) {
            typed = column(type, values.length);
            System.arraycopy(values, 0, typed, 0, values.length);
        }
        return connection.createArrayOf(type, typed);
    }

    /** A {@code bigint[]} of {@code values}. */
    static Array longs(Connection connection, long[] values) throws SQLException {
        return connection.createArrayOf("bigint", Arrays.stream(values).boxed().toArray(Long[]::new));
    }

    /** A {@code bigint[]} of {@code values}. */
    static Array longs(Connection connection, Collection<Long> values) throws SQLException {
        return connection.createArrayOf("bigint", values.toArray(new Long[0]));
    }

    /** A {@code text[]} of {@code values}. */
    static Array texts(Connection connection, Collection<String> values) throws SQLException {
        return connection.createArrayOf("text", values.toArray(new String[0]));
    }
}
