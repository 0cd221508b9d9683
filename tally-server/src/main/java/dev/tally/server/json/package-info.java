/**
 * The API's bodies in JSON, one class per feature: reading a request into domain values and writing domain values
 * as the contract shows them. Rules: no HTTP here (routes call these classes; problems are collected with
 * {@link dev.tally.core.problem.Problems} and mapped to status codes elsewhere); amounts are decimal strings, never
 * doubles; a time Tally recorded itself is written through {@link dev.tally.server.json.RecordedTime}, to the
 * millisecond the stores keep.
 */
package dev.tally.server.json;
