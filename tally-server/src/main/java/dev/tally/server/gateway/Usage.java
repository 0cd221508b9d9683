package dev.tally.server.gateway;

import java.util.SortedMap;

/**
 * What a call used, as its event records it.
 *
 * @param model     the model as the provider answered it (else as asked), or null
 * @param micros    quantities in micros by metric
 * @param estimated whether some of it was estimated because the provider had not reported it (a broken or abandoned
 *                  stream, a body too large to read)
 */
record Usage(String model, SortedMap<String, Long> micros, boolean estimated) {
}
