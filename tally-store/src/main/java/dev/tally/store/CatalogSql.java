package dev.tally.store;

import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Messages;
import dev.tally.core.customer.Plan;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.limit.Limit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Plans and customers with their limits. Each put is one transaction (run by the caller) that upserts the owner
 * row, keeping its creation time, and replaces its limit rows.
 */
final class CatalogSql {
    private static final String UPSERT_PLAN = "INSERT INTO plans (id, name, failure_policy, created_ms, updated_ms) "
            + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
            + "failure_policy = excluded.failure_policy, updated_ms = excluded.updated_ms";
    private static final String UPSERT_CUSTOMER = "INSERT INTO customers (id, name, plan_id, zone, billing_day, "
            + "created_ms, updated_ms, email) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            + "name = excluded.name, plan_id = excluded.plan_id, zone = excluded.zone, "
            + "billing_day = excluded.billing_day, updated_ms = excluded.updated_ms, email = excluded.email";
    private static final String SELECT_CUSTOMERS = "SELECT id, name, plan_id, zone, billing_day, created_ms, email "
            + "FROM customers";

    private final InstantSource clock;

    CatalogSql(InstantSource clock) {
        this.clock = clock;
    }

    void putPlan(Connection c, Plan plan) throws SQLException {
        long now = clock.millis();
        try (PreparedStatement ps = c.prepareStatement(UPSERT_PLAN)) {
            ps.setString(1, plan.id());
            ps.setString(2, plan.name());
            ps.setString(3, plan.failurePolicy() == null ? null : plan.failurePolicy().wireName());
            ps.setLong(4, now);
            ps.setLong(5, now);
            ps.executeUpdate();
        }
        LimitRows.replace(c, LimitRows.PLAN, plan.id(), plan.limits());
        PlanMessageRows.replace(c, plan.id(), plan.messages());
    }

    Optional<Plan> plan(Connection c, String id) throws SQLException {
        return plans(c, id).stream().findFirst();
    }

    /** Every plan by id, or only the one with {@code id} if it is not null. */
    List<Plan> plans(Connection c, String id) throws SQLException {
        Map<String, List<Limit>> limits = LimitRows.byOwner(c, LimitRows.PLAN, id);
        Map<String, Messages> messages = PlanMessageRows.byPlan(c, id);
        List<Plan> plans = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, name, failure_policy FROM plans" + (id == null ? "" : " WHERE id = ?") + " ORDER BY id")) {
            if (id != null) {
                ps.setString(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String planId = rs.getString("id");
                    plans.add(new Plan(planId, rs.getString("name"), limits.getOrDefault(planId, List.of()),
                            FailurePolicy.fromWireName(rs.getString("failure_policy")),
                            messages.get(planId)));
                }
            }
        }
        return plans;
    }

    boolean deletePlan(Connection c, String id) throws SQLException {
        LimitRows.delete(c, LimitRows.PLAN, id);
        PlanMessageRows.replace(c, id, Messages.NONE);
        return deleteById(c, "plans", id);
    }

    void putCustomer(Connection c, Customer customer) throws SQLException {
        long now = clock.millis();
        Instant created = customer.createdAt() == null ? Instant.ofEpochMilli(now) : customer.createdAt();
        try (PreparedStatement ps = c.prepareStatement(UPSERT_CUSTOMER)) {
            ps.setString(1, customer.id());
            ps.setString(2, customer.name());
            ps.setString(3, customer.planId());
            ps.setString(4, customer.zone().getId());
            ps.setInt(5, customer.billingDay());
            ps.setLong(6, created.toEpochMilli());
            ps.setLong(7, now);
            ps.setString(8, customer.email());
            ps.executeUpdate();
        }
        LimitRows.replace(c, LimitRows.CUSTOMER, customer.id(), customer.limits());
    }

    Optional<Customer> customer(Connection c, String id) throws SQLException {
        return customers(c, id).stream().findFirst();
    }

    /** Every customer by id, or only the one with {@code id} if it is not null. */
    List<Customer> customers(Connection c, String id) throws SQLException {
        Map<String, List<Limit>> limits = LimitRows.byOwner(c, LimitRows.CUSTOMER, id);
        List<Customer> customers = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                SELECT_CUSTOMERS + (id == null ? "" : " WHERE id = ?") + " ORDER BY id")) {
            if (id != null) {
                ps.setString(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    customers.add(customer(rs, limits));
                }
            }
        }
        return customers;
    }

    /** Deletes the customer and its limits and revokes its keys now; its usage rows stay. */
    boolean deleteCustomer(Connection c, String id) throws SQLException {
        LimitRows.delete(c, LimitRows.CUSTOMER, id);
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE api_keys SET revoked_ms = ? WHERE customer_id = ? AND revoked_ms IS NULL")) {
            ps.setLong(1, clock.millis());
            ps.setString(2, id);
            ps.executeUpdate();
        }
        return deleteById(c, "customers", id);
    }

    private static Customer customer(ResultSet rs, Map<String, List<Limit>> limits) throws SQLException {
        String id = rs.getString("id");
        return new Customer(id, rs.getString("name"), rs.getString("plan_id"), ZoneId.of(rs.getString("zone")),
                rs.getInt("billing_day"), limits.getOrDefault(id, List.of()),
                Instant.ofEpochMilli(rs.getLong("created_ms")), rs.getString("email"));
    }

    private static boolean deleteById(Connection c, String table, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
            ps.setString(1, id);
            return ps.executeUpdate() > 0;
        }
    }
}
