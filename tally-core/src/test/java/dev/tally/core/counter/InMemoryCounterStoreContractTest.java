package dev.tally.core.counter;

/** The {@link CounterStore} contract on the counters of one node, in memory. */
class InMemoryCounterStoreContractTest extends CounterStoreContract {
    @Override
    protected CounterStore openEmptyStore() {
        return new InMemoryCounterStore();
    }
}
