/**
 * Redis adapters for several Tally nodes: {@link dev.tally.redis.RedisCounterStore}, the enforcement counters and
 * reservations of the {@code CounterStore} port, shared by every node that names the same Redis and key prefix.
 *
 * <p>Rules: every operation is one Lua script call (atomic, one round trip); time comes from the caller's clock,
 * never from Redis; every key begins with the prefix and has a TTL; nothing here is the record of usage (the store
 * is), so counters lost with Redis are rebuilt from the store.
 */
package dev.tally.redis;
