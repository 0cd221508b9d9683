package dev.tally.server.http;

/** Who is calling: the operator (admin key) or one customer (customer key). */
public sealed interface Principal {
    /** The operator: may do everything. */
    record Admin() implements Principal {
    }

    /** A customer: may only read its own data. */
    record CustomerKey(String customerId, String keyId) implements Principal {
    }
}
