package dev.tally.core.store;

import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Plan;
import dev.tally.core.pricing.Price;

import java.util.List;
import java.util.Optional;

/** The port to the configuration: plans, customers and the price list. */
public interface CatalogStore {
    /** Creates or replaces a plan with all its limits. */
    void putPlan(Plan plan);

    Optional<Plan> plan(String id);

    /** Every plan, by id. */
    List<Plan> plans();

    /** Removes a plan; returns false if there was none. The caller checks first that no customer uses it. */
    boolean deletePlan(String id);

    /** Creates or replaces a customer with its limit overrides, keeping its original creation time. */
    void putCustomer(Customer customer);

    Optional<Customer> customer(String id);

    /** Every customer, by id. */
    List<Customer> customers();

    /** Removes a customer and revokes its keys; its recorded usage is kept. Returns false if there was none. */
    boolean deleteCustomer(String id);

    /** Inserts prices, replacing any with the same provider, model, metric and start, in one transaction. */
    void putPrices(List<Price> prices);

    /** Every price. */
    List<Price> prices();
}
