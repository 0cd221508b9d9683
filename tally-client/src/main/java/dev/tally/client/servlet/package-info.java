/**
 * {@link dev.tally.client.servlet.TallyFilter}, a Jakarta Servlet 6 filter that authorizes each call of a customer
 * with Tally, answers 429 with problem JSON and rate-limit headers when a limit is used up, and records each call's
 * usage asynchronously.
 *
 * <p>Rules: a request whose customer is unknown to the application (the resolver answers null) is not metered; a
 * failure of Tally never fails a request the application would have answered, except a fail-closed filter's 503
 * while Tally cannot authorize; recording never blocks a request (a full queue drops and counts).
 */
package dev.tally.client.servlet;
