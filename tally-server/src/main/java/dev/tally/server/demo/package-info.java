/**
 * The demo's simulated traffic ({@link dev.tally.server.demo.DemoTraffic}). Rules: it goes through the real
 * ingestion path, so every demo figure is computed as in production; it writes into the example's own customers
 * only ({@code examples/tally.yaml}), never into a customer a user created beside them, also after a restart on the
 * same data, so the user can check their own numbers.
 */
package dev.tally.server.demo;
