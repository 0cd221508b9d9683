package dev.tally.server.gateway;

import java.util.SortedMap;

/**
 * What the gateway learned from a call's request before forwarding it.
 *
 * @param model          the model asked for, or null
 * @param user           the end user named in the body, or null
 * @param estimateMicros the expected usage, in micros by metric, which authorization prices and reserves
 * @param body           the body to send upstream (the caller's, or rewritten to ask for usage); null to stream
 *                       the caller's body through unread
 * @param askedForUsage  whether the gateway asked the upstream for a usage chunk the caller did not ask for (it is
 *                       then removed from the answer)
 */
record CallPlan(String model, String user, SortedMap<String, Long> estimateMicros, byte[] body,
                boolean askedForUsage) {
}
