package dev.tally.core.testing;

import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Plan;
import dev.tally.core.pricing.Price;
import dev.tally.core.store.CatalogStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A catalog held in maps, for unit tests of domain services that need plans and customers but no ledger. Storage
 * itself is tested against real databases by the store contract suite.
 */
public final class InMemoryCatalogStore implements CatalogStore {
    private final Map<String, Plan> plans = new TreeMap<>();
    private final Map<String, Customer> customers = new TreeMap<>();
    private final List<Price> prices = new ArrayList<>();

    @Override
    public void putPlan(Plan plan) {
        plans.put(plan.id(), plan);
    }

    @Override
    public Optional<Plan> plan(String id) {
        return Optional.ofNullable(plans.get(id));
    }

    @Override
    public List<Plan> plans() {
        return List.copyOf(plans.values());
    }

    @Override
    public boolean deletePlan(String id) {
        return plans.remove(id) != null;
    }

    @Override
    public void putCustomer(Customer customer) {
        customers.put(customer.id(), customer);
    }

    @Override
    public Optional<Customer> customer(String id) {
        return Optional.ofNullable(customers.get(id));
    }

    @Override
    public List<Customer> customers() {
        return List.copyOf(customers.values());
    }

    @Override
    public boolean deleteCustomer(String id) {
        return customers.remove(id) != null;
    }

    @Override
    public void putPrices(List<Price> list) {
        prices.addAll(list);
    }

    @Override
    public List<Price> prices() {
        return List.copyOf(prices);
    }
}
