/**
 * Calendar arithmetic in a customer's time zone: windows (minute, hour, day, billing month), their periods and
 * ISO-8601 instants.
 *
 * <p>Rules: days start at local midnight (23 or 25 hours on a DST change); a billing month starts at local midnight
 * of its billing day, clamped to the last day of a short month, and is named by the month it starts in. Time is
 * always passed in, never read from a clock here. Depends on the JDK only.
 */
package dev.tally.core.period;
