/**
 * The Java client of Tally: {@link dev.tally.client.TallyClient} for the HTTP API, and the two ports a middleware
 * needs, {@link dev.tally.client.Authorizer} (may this call go ahead?) and {@link dev.tally.client.EventSink} (record
 * what it used), each with a remote implementation and, for authorization, one that runs Tally's enforcer in the
 * same JVM.
 *
 * <p>Rules: money is {@link java.math.BigDecimal}, never {@code double}; every failure is a
 * {@link dev.tally.client.TallyException} carrying the HTTP status (0 when there was no answer) and the server's
 * problem {@code detail} and field {@code errors}. The servlet filter lives in {@code dev.tally.client.servlet}.
 */
package dev.tally.client;
