package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.ZoneId;

/**
 * What {@code tally usage} shows of one customer: who it is, and its billing month as the API reports it.
 *
 * @param name   the customer's display name
 * @param plan   the plan id, or null when the customer has none
 * @param zone   the customer's time zone, in which its month and reset date are shown
 * @param report an object with the API's {@code period}, {@code totals} and {@code limits[]} (a usage report or a
 *               row of the overview)
 */
record CustomerUsage(String name, String plan, ZoneId zone, JsonNode report) {
}
