/**
 * Reservation ids: the signed, opaque names a client gets for a held reservation and sends back to settle or release
 * it ({@link dev.tally.core.reservation.ReservationIds}, SipHash-2-4 MACs keyed from the installation's secret).
 *
 * <p>Rules: an id proves who issued it and for which customer, and tells nothing about where or how many reservations
 * are kept; any node of the installation verifies any id without shared state. Depends on {@code counter} (for the
 * adapter's reservation handle) and the JDK only.
 */
package dev.tally.core.reservation;
