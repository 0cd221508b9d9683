package dev.tally.server.gateway;

/** Why the gateway itself answers a call instead of the upstream; each provider words it in its own format. */
enum ErrorKind {
    /** A request the gateway refuses before anything else (a malformed {@code X-Tally-User}): 400. */
    BAD_REQUEST(400),
    /** No key, or not a valid customer key: 401. */
    AUTHENTICATION(401),
    /** No such upstream: 404. */
    NOT_FOUND(404),
    /** The request body is larger than the gateway reads: 413. */
    TOO_LARGE(413),
    /** A minute or hour limit denied the call: 429. */
    RATE_LIMITED(429),
    /** A day or month quota or a budget denied the call: 429. */
    QUOTA_EXCEEDED(429),
    /** The upstream could not be reached or broke off before answering: 502. */
    UPSTREAM_FAILED(502),
    /** Limits could not be checked and the failure policy is closed: 503. */
    UNAVAILABLE(503),
    /** The upstream did not answer in time: 504. */
    TIMEOUT(504);

    final int status;

    ErrorKind(int status) {
        this.status = status;
    }
}
