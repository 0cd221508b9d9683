/**
 * Domain errors by category. Validation collects every problem of an input ({@link dev.tally.core.problem.Problems})
 * and names the field, the rule and the value; the server turns these into RFC 9457 problem JSON in one place.
 *
 * <p>Rules: no HTTP here (status codes are the server's mapper's business). The bottom of the stack: depends on the
 * JDK only.
 */
package dev.tally.core.problem;
