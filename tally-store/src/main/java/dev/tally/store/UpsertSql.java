package dev.tally.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Builds the additive upserts of the rollup tables: {@code INSERT ... ON CONFLICT (keys) DO UPDATE SET
 * c = t.c + excluded.c}, the same on SQLite and PostgreSQL. Adding in the database, rather than reading and writing
 * back, is what keeps concurrent writers from losing increments. Only the row source differs by how rows are shipped.
 */
final class UpsertSql {
    private UpsertSql() {
    }

    /** One row per execution: {@code VALUES (?, ?, ...)}, for JDBC batches. */
    static String perRow(String table, List<String> keys, List<String> sums) {
        return into(table, keys, sums) + " VALUES (" + placeholders(keys.size() + sums.size()) + ")"
                + onConflict(table, keys, sums);
    }

    /**
     * All rows in one execution from one array per column, PostgreSQL's {@code unnest(?::text[], ?::bigint[])}.
     *
     * @param types the SQL type of each column, keys then sums
     */
    static String fromArrays(String table, List<String> keys, List<String> sums, List<String> types) {
        List<String> arrays = new ArrayList<>(types.size());
        for (String type : types) {
            arrays.add("?::" + type + "[]");
        }
        return into(table, keys, sums) + " SELECT * FROM unnest(" + String.join(", ", arrays) + ")"
                + onConflict(table, keys, sums);
    }

    /**
     * All rows in one execution from one JSON array of rows, each an array of the key columns then the sums (SQLite's
     * {@code json_each}): the rows are bound as one value, where a JDBC batch binds each value of each row through
     * its own native call. Rows repeating a key are added up one after the other.
     */
    static String fromJson(String table, List<String> keys, List<String> sums) {
        List<String> columns = new ArrayList<>(keys.size() + sums.size());
        for (int i = 0; i < keys.size() + sums.size(); i++) {
            columns.add("value ->> " + i);
        }
        // "WHERE true": SQLite's parser needs it between a SELECT's FROM and ON CONFLICT.
        return into(table, keys, sums) + " SELECT " + String.join(", ", columns) + " FROM json_each(?) WHERE true"
                + onConflict(table, keys, sums);
    }

    /**
     * The rows of one series for every grain in one execution (SQLite, whose numbered parameters let the shared
     * values be bound once): {@code ?1} customer, {@code ?2..?(1+g)} the bucket start of each grain, then provider,
     * model, endpoint and the sums.
     */
    static String perSeries(String table, List<String> keys, List<String> sums, List<String> grainNames) {
        int grains = grainNames.size();
        int provider = 2 + grains;
        StringBuilder values = new StringBuilder();
        for (int g = 0; g < grains; g++) {
            values.append(g == 0 ? "(" : ", (").append("?1, '").append(grainNames.get(g)).append("', ?")
                    .append(2 + g);
            for (int p = provider; p < provider + 3 + sums.size(); p++) {
                values.append(", ?").append(p);
            }
            values.append(')');
        }
        return into(table, keys, sums) + " VALUES " + values + onConflict(table, keys, sums);
    }

    private static String into(String table, List<String> keys, List<String> sums) {
        return "INSERT INTO " + table + " (" + String.join(", ", keys) + ", " + String.join(", ", sums) + ")";
    }

    private static String placeholders(int count) {
        return String.join(", ", Collections.nCopies(count, "?"));
    }

    private static String onConflict(String table, List<String> keys, List<String> sums) {
        StringBuilder sql = new StringBuilder(" ON CONFLICT (").append(String.join(", ", keys))
                .append(") DO UPDATE SET ");
        for (int i = 0; i < sums.size(); i++) {
            String column = sums.get(i);
            sql.append(i == 0 ? "" : ", ")
                    .append(column).append(" = ").append(table).append('.').append(column)
                    .append(" + excluded.").append(column);
        }
        return sql.toString();
    }
}
