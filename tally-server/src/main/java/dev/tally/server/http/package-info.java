/**
 * The JSON API's routes, one class per feature, and what every request goes through: authentication
 * ({@link dev.tally.server.http.Authenticator}), body reading before a pool thread is taken
 * ({@link dev.tally.server.http.BodyReading}), the hot calls' common case answered before the servlet layer
 * ({@link dev.tally.server.http.DirectRoutes}, the same answers as their routes), and the one mapping of errors to problem JSON
 * ({@link dev.tally.server.http.ProblemMapper}). Rules: routes never build problem answers themselves; an
 * {@link java.lang.Error} is answered 500 and logged once, never thrown back to Jetty
 * ({@link dev.tally.server.http.FatalErrors}).
 */
package dev.tally.server.http;
