/**
 * The {@code tally} command line. Server commands: {@code serve} (with {@code --personal} for one person tracking
 * their own use), {@code demo}. Client commands, which talk to a running server over its HTTP API
 * ({@link dev.tally.server.cli.TallyApiClient}): {@code usage}, {@code left}, {@code alerts}, {@code import},
 * {@code export}, {@code prices}.
 *
 * <p>Rules of the client commands:
 * <ul>
 *   <li>Server and key come from {@code --url} / {@code --key}, else {@code TALLY_URL} ({@code http://localhost:8080}
 *       when unset) and {@code TALLY_KEY}, else {@code TALLY_ADMIN_KEY}, else a personal server's
 *       {@code <data dir>/admin.key}.</li>
 *   <li>Billing periods are named by their first and last day; {@code --period YYYY-MM} for one customer is its
 *       billing period holding most of that month.</li>
 *   <li>Exit codes: 0 done; 1 the server refused (its problem {@code detail} is printed as one line on stderr), could
 *       not be reached, or an import had rejected events; 2 the command line is wrong (nothing was sent).</li>
 *   <li>Output is plain text on stdout; colours and the progress line appear only on an interactive terminal
 *       ({@code --color} and {@code NO_COLOR} decide for colours).</li>
 *   <li>Numbers are exact: money is printed from the API's decimal strings, never through a {@code double}.</li>
 * </ul>
 */
package dev.tally.server.cli;
