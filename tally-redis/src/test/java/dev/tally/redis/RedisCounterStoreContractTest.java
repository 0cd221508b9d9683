package dev.tally.redis;

import dev.tally.core.counter.CounterStore;
import dev.tally.core.counter.CounterStoreContract;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@link CounterStore} contract on the real Redis of the machine (127.0.0.1:6379), each test under a prefix of
 * its own. Fails, not skips, when Redis is down.
 */
class RedisCounterStoreContractTest extends CounterStoreContract {
    private final List<RedisCounterStore> opened = new ArrayList<>();
    private String prefix;

    @Override
    protected CounterStore openEmptyStore() {
        prefix = TestRedis.uniquePrefix();
        return open();
    }

    @Override
    protected CounterStore openSecondNode() {
        return open();
    }

    private RedisCounterStore open() {
        RedisCounterStore store = RedisCounterStore.connect(TestRedis.client(), prefix);
        opened.add(store);
        return store;
    }

    @Override
    protected void closeStores() {
        TestRedis.deleteKeys(prefix);
        opened.forEach(RedisCounterStore::close);
    }
}
