/**
 * The browser side of Tally: the admin console at {@code /} and the customer portal at {@code /portal}. The pages
 * are static HTML, CSS and small JavaScript modules under {@code resources/web}; they read and write only through
 * the JSON API ({@code /v1/...}), authenticated by a signed session cookie ({@link dev.tally.server.http.Sessions}).
 */
package dev.tally.server.web;
