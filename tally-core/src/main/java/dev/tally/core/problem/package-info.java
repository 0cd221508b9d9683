/**
 * Domain errors by category. Validation collects every problem of an input ({@link dev.tally.core.problem.Problems})
 * and names the field, the rule and the value; the server turns these into RFC 9457 problem JSON in one place.
 */
package dev.tally.core.problem;
