package dev.tally.core.gateway;

import java.util.List;
import java.util.Optional;

/** The port to the gateway's upstreams and the keys customers bring for them; every key is already sealed. */
public interface UpstreamStore {
    /** Creates or replaces an upstream. */
    void putUpstream(Upstream upstream);

    /** Every upstream, by name. */
    List<Upstream> upstreams();

    /** Deletes an upstream and every customer key for it; false if there was none. */
    boolean deleteUpstream(String name);

    /** Creates or replaces a customer's own sealed key for an upstream. */
    void putUpstreamKey(String customerId, String upstream, String sealedKey);

    /** A customer's own sealed key for an upstream, or empty. */
    Optional<String> upstreamKey(String customerId, String upstream);

    /** Deletes a customer's own key for an upstream; false if there was none. */
    boolean deleteUpstreamKey(String customerId, String upstream);
}
