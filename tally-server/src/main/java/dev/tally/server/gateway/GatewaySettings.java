package dev.tally.server.gateway;

import java.time.Duration;

/**
 * How the gateway calls upstreams ({@code gateway:} in {@code tally.yaml}).
 *
 * @param connectTimeout  how long connecting to an upstream may take (then 502 in the provider's format)
 * @param responseTimeout how long an upstream may take to start answering (then 504 in the provider's format); a
 *                        stream that has started is never cut by it
 * @param http2           whether {@code https} upstreams are asked for HTTP/2 (ALPN; HTTP/1.1 when they decline);
 *                        {@code http} upstreams always get HTTP/1.1, without an upgrade attempt
 * @param maxBodyBytes    the largest request body read to estimate a call (larger: 413 in the provider's format);
 *                        bodies of plain {@code http} upstreams are never read and have no limit
 * @param copyLimitBytes  the largest plain JSON answer copied to read its usage (larger: usage estimated, marked)
 */
public record GatewaySettings(Duration connectTimeout, Duration responseTimeout, boolean http2, long maxBodyBytes,
                              int copyLimitBytes) {
    /** Connecting takes milliseconds when the upstream is up; ten seconds covers a slow TLS handshake. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** A long completion without streaming can take minutes before its first byte. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofMinutes(10);
    /** Chat answers are kilobytes; a large embeddings answer a few megabytes. */
    public static final int DEFAULT_COPY_LIMIT = 16 * 1024 * 1024;

    public GatewaySettings {
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("gateway connect timeout must be positive, was " + connectTimeout);
        }
        if (responseTimeout.isNegative() || responseTimeout.isZero()) {
            throw new IllegalArgumentException("gateway response timeout must be positive, was " + responseTimeout);
        }
    }

    /** The defaults, reading bodies up to {@code maxBodyBytes}. */
    public static GatewaySettings defaults(long maxBodyBytes) {
        return new GatewaySettings(DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, true, maxBodyBytes,
                DEFAULT_COPY_LIMIT);
    }
}
