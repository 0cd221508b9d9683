package dev.tally.store;

import dev.tally.core.gateway.Upstream;
import dev.tally.core.gateway.UpstreamType;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code upstreams} and {@code upstream_keys} tables of the gateway; keys arrive and leave sealed. */
final class UpstreamRows {
    private UpstreamRows() {
    }

    static void put(Connection c, Upstream u, long nowMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO upstreams (name, type, base_url, provider, "
                + "api_key_sealed, updated_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                + "type = excluded.type, base_url = excluded.base_url, provider = excluded.provider, "
                + "api_key_sealed = excluded.api_key_sealed, updated_ms = excluded.updated_ms")) {
            ps.setString(1, u.name());
            ps.setString(2, u.type().wireName());
            ps.setString(3, u.baseUrl());
            ps.setString(4, u.provider());
            ps.setString(5, u.sealedKey());
            ps.setLong(6, nowMs);
            ps.executeUpdate();
        }
    }

    static List<Upstream> all(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT name, type, base_url, provider, api_key_sealed FROM upstreams ORDER BY name");
             ResultSet rs = ps.executeQuery()) {
            List<Upstream> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Upstream(rs.getString(1), UpstreamType.fromWireName(rs.getString(2)), rs.getString(3),
                        rs.getString(4), rs.getString(5)));
            }
            return out;
        }
    }

    static boolean delete(Connection c, String name) throws SQLException {
        try (PreparedStatement keys = c.prepareStatement("DELETE FROM upstream_keys WHERE upstream = ?")) {
            keys.setString(1, name);
            keys.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM upstreams WHERE name = ?")) {
            ps.setString(1, name);
            return ps.executeUpdate() > 0;
        }
    }

    static void putKey(Connection c, String customerId, String upstream, String sealedKey, long nowMs)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO upstream_keys (customer_id, upstream, "
                + "api_key_sealed, updated_ms) VALUES (?, ?, ?, ?) ON CONFLICT (customer_id, upstream) DO UPDATE SET "
                + "api_key_sealed = excluded.api_key_sealed, updated_ms = excluded.updated_ms")) {
            ps.setString(1, customerId);
            ps.setString(2, upstream);
            ps.setString(3, sealedKey);
            ps.setLong(4, nowMs);
            ps.executeUpdate();
        }
    }

    static Optional<String> key(Connection c, String customerId, String upstream) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT api_key_sealed FROM upstream_keys WHERE customer_id = ? AND upstream = ?")) {
            ps.setString(1, customerId);
            ps.setString(2, upstream);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    static boolean deleteKey(Connection c, String customerId, String upstream) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM upstream_keys WHERE customer_id = ? AND upstream = ?")) {
            ps.setString(1, customerId);
            ps.setString(2, upstream);
            return ps.executeUpdate() > 0;
        }
    }

    /** Forgets every key a customer brought (when the customer is deleted). */
    static void deleteKeysOf(Connection c, String customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM upstream_keys WHERE customer_id = ?")) {
            ps.setString(1, customerId);
            ps.executeUpdate();
        }
    }
}
