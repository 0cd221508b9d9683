package dev.tally.server.http;

/** Who is calling: the operator (admin key), one customer (customer key), or a metered product (ingest key). */
public sealed interface Principal {
    /** The operator: may do everything. */
    record Admin() implements Principal {
    }

    /** A customer: may only read its own data. */
    record CustomerKey(String customerId, String keyId) implements Principal {
    }

    /**
     * A product that is metered: may send events and ask for authorizations (and release them), for any customer,
     * and nothing else. It is the key a product's servers hold on their hot path, so it reads no usage and changes
     * no plan.
     */
    record IngestKey(String keyId) implements Principal {
    }
}
