package dev.tally.server.http;

/** Who is calling: the operator (admin key), one customer (customer key), or a metered product (ingest key). */
public sealed interface Principal {
    /**
     * The operator: may do everything.
     *
     * @param keyId       the admin key's id: the first 8 hex digits of its SHA-256 ({@link KeyHashing#keyId}), which
     *                    tells the key in use apart from an earlier one without revealing anything of it
     * @param console     whether the request came from a console session (rather than with the key as Bearer)
     * @param consoleUser the name given at sign-in to the console, or null (a Bearer key, or no name given)
     */
    record Admin(String keyId, boolean console, String consoleUser) implements Principal {
        /** The admin key sent as a Bearer key. */
        public static Admin withKey(String keyId) {
            return new Admin(keyId, false, null);
        }

        /**
         * Who did something, as recorded with corrections ({@code created_by}): {@code "console: Ana"} for a named
         * console user, {@code "console (admin key 1a2b3c4d)"} for an unnamed one, {@code "admin key 1a2b3c4d"} for a
         * call with the key.
         */
        public String who() {
            if (consoleUser != null) {
                return "console: " + consoleUser;
            }
            return console ? "console (admin key " + keyId + ")" : "admin key " + keyId;
        }
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
