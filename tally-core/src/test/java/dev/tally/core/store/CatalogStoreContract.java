package dev.tally.core.store;

import dev.tally.core.auth.ApiKey;
import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Plan;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.period.Window;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.pricing.Price;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import static dev.tally.core.store.LedgerFixtures.T0;
import static dev.tally.core.store.LedgerFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;

/** The {@link CatalogStore} contract: plans, customers, their limits, and prices. */
public interface CatalogStoreContract {
    Limit TOKENS_MONTH = new Limit(null, "tokens", Window.MONTH, new BigDecimal("1000000.500"), LimitMode.HARD,
            "openai", "gpt-4o", "/v1/chat", List.of(25, 90));
    Limit COST_DAY = new Limit("spend", "cost", Window.DAY, new BigDecimal("0.000000001"), LimitMode.SOFT, null,
            null, null, List.of());
    Limit REQUESTS_UNLIMITED = new Limit(null, "requests", Window.MINUTE, null, null, null, null, null, null);

    TallyStore store();

    @Test
    default void putPlan_withFailurePolicy_roundTripsAndCanBeCleared() {
        store().putPlan(new Plan("pro", "Pro", List.of(TOKENS_MONTH), FailurePolicy.FAIL_CLOSED));
        assertThat(store().plan("pro").orElseThrow().failurePolicy()).isEqualTo(FailurePolicy.FAIL_CLOSED);

        store().putPlan(new Plan("pro", "Pro", List.of(TOKENS_MONTH)));

        assertThat(store().plan("pro").orElseThrow().failurePolicy()).isNull();
    }

    @Test
    default void putPlan_thenPlan_returnsItsLimitsInOrderWithExactAmounts() {
        Plan plan = new Plan("pro", "Pro", List.of(TOKENS_MONTH, COST_DAY, REQUESTS_UNLIMITED));

        store().putPlan(plan);

        Plan read = store().plan("pro").orElseThrow();
        assertThat(read).isEqualTo(plan);
        assertThat(read.limits().get(0).amount().scale()).isEqualTo(3);
        assertThat(read.limits().get(2).isUnlimited()).isTrue();
    }

    @Test
    default void putPlan_existingId_replacesNameAndLimits() {
        store().putPlan(new Plan("pro", "Pro", List.of(TOKENS_MONTH, COST_DAY)));

        store().putPlan(new Plan("pro", "Pro 2", List.of(REQUESTS_UNLIMITED)));

        assertThat(store().plan("pro")).contains(new Plan("pro", "Pro 2", List.of(REQUESTS_UNLIMITED)));
    }

    @Test
    default void plans_several_listedByIdWithTheirOwnLimits() {
        store().putPlan(new Plan("team", "Team", List.of(COST_DAY)));
        store().putPlan(new Plan("free", "Free", List.of()));
        store().putPlan(new Plan("pro", "Pro", List.of(TOKENS_MONTH)));

        assertThat(store().plans()).containsExactly(new Plan("free", "Free", List.of()),
                new Plan("pro", "Pro", List.of(TOKENS_MONTH)), new Plan("team", "Team", List.of(COST_DAY)));
    }

    @Test
    default void deletePlan_existing_removesItAndItsLimits() {
        store().putPlan(new Plan("pro", "Pro", List.of(TOKENS_MONTH)));

        assertThat(store().deletePlan("pro")).isTrue();

        assertThat(store().plan("pro")).isEmpty();
        store().putPlan(new Plan("pro", "Pro", List.of()));
        assertThat(store().plan("pro").orElseThrow().limits()).isEmpty();
    }

    @Test
    default void deletePlan_missing_returnsFalse() {
        assertThat(store().deletePlan("nope")).isFalse();
        assertThat(store().plan("nope")).isEmpty();
    }

    @Test
    default void putCustomer_thenCustomer_roundTripsEveryField() {
        Customer customer = customer("acme", "Acme", Instant.parse("2026-01-02T03:04:05.678Z"));

        store().putCustomer(customer);

        assertThat(store().customer("acme")).contains(customer);
    }

    @Test
    default void putCustomer_existingId_replacesFieldsAndLimitsButKeepsCreatedAt() {
        Instant created = Instant.parse("2026-01-02T03:04:05Z");
        store().putCustomer(customer("acme", "Acme", created));

        store().putCustomer(new Customer("acme", "Acme Inc", null, ZoneId.of("UTC"), 1, List.of(), T0));

        assertThat(store().customer("acme"))
                .contains(new Customer("acme", "Acme Inc", null, ZoneId.of("UTC"), 1, List.of(), created));
    }

    @Test
    default void putCustomer_withEmail_roundTripsAndReplacingClearsIt() {
        store().putCustomer(new Customer("acme", "Acme", null, ZoneId.of("UTC"), 1, List.of(), T0,
                "billing@acme.example"));

        assertThat(store().customer("acme").orElseThrow().email()).isEqualTo("billing@acme.example");

        store().putCustomer(new Customer("acme", "Acme", null, ZoneId.of("UTC"), 1, List.of(), T0));
        assertThat(store().customer("acme").orElseThrow().email()).isNull();
    }

    @Test
    default void customers_several_listedByIdWithTheirOwnLimits() {
        store().putCustomer(customer("globex", "Globex", T0));
        store().putCustomer(new Customer("acme", "Acme", "free", ZoneId.of("UTC"), 1, List.of(COST_DAY), T0));

        assertThat(store().customers()).extracting(Customer::id, c -> c.limits().size())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("acme", 1),
                        org.assertj.core.groups.Tuple.tuple("globex", 2));
    }

    @Test
    default void deleteCustomer_existing_removesItRevokesItsKeysAndKeepsUsage() {
        store().putCustomer(customer("acme", "Acme", T0));
        store().addKey(new ApiKey("key_1", "acme", new byte[]{1}, T0, null));
        store().addKey(new ApiKey("key_2", "globex", new byte[]{2}, T0, null));
        store().append(List.of(event("e1").build()));

        assertThat(store().deleteCustomer("acme")).isTrue();

        assertThat(store().customer("acme")).isEmpty();
        assertThat(store().key("key_1").orElseThrow().isRevoked()).isTrue();
        assertThat(store().key("key_2").orElseThrow().isRevoked()).isFalse();
        assertThat(store().countEvents()).isEqualTo(1);
        assertThat(store().rollups("acme", Window.DAY, Instant.EPOCH, T0.plusSeconds(86_400))).hasSize(1);
        store().putCustomer(new Customer("acme", "Acme", null, ZoneId.of("UTC"), 1, List.of(), T0));
        assertThat(store().customer("acme").orElseThrow().limits()).isEmpty();
    }

    @Test
    default void deleteCustomer_missing_returnsFalse() {
        assertThat(store().deleteCustomer("nope")).isFalse();
    }

    @Test
    default void putPrices_thenPrices_roundTripExactly() {
        List<Price> prices = List.of(
                new Price("anthropic", null, "requests", new BigDecimal("0.01"), 1, Instant.EPOCH),
                new Price("openai", null, "input_tokens", new BigDecimal("0.0000005"), 1, Instant.EPOCH),
                new Price("openai", "gpt-4o", "input_tokens", new BigDecimal("2.50"), 1_000_000,
                        Instant.parse("2026-01-01T00:00:00Z")),
                new Price("openai", "gpt-4o", "input_tokens", new BigDecimal("1E+3"), 1_000_000,
                        Instant.parse("2026-06-01T00:00:00Z")));

        store().putPrices(prices);

        assertThat(store().prices()).containsExactlyElementsOf(prices);
    }

    @Test
    default void putPrices_sameProviderModelMetricAndStart_replacesThePrice() {
        store().putPrices(List.of(new Price("openai", "gpt-4o", "output_tokens", new BigDecimal("10"), 1_000_000,
                Instant.EPOCH)));

        store().putPrices(List.of(new Price("openai", "gpt-4o", "output_tokens", new BigDecimal("8.00"), 1_000,
                Instant.EPOCH)));

        assertThat(store().prices()).containsExactly(new Price("openai", "gpt-4o", "output_tokens",
                new BigDecimal("8.00"), 1_000, Instant.EPOCH));
    }

    private static Customer customer(String id, String name, Instant created) {
        return new Customer(id, name, "pro", ZoneId.of("Asia/Kolkata"), 31, List.of(TOKENS_MONTH, REQUESTS_UNLIMITED),
                created);
    }
}
