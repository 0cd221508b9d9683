/**
 * The server's entry points and wiring: {@code Main} (the {@code tally} command) and {@code TallyServer}, the
 * composition root.
 *
 * <p>Rules: wiring is by hand, in named steps; every component that owns a thread, a socket or a connection is
 * started through the one {@code Lifecycle}, which stops the started ones in reverse order, both on
 * {@code close()} and when a start-up fails half-way (so a failed start leaves nothing running). Work that can fail
 * without starting anything (reading stored secrets, rebuilding counters) comes before the threads start.
 */
package dev.tally.server;
