package dev.tally.core.reservation;

import java.nio.charset.StandardCharsets;

/**
 * SipHash-2-4 with a 64-bit output: a keyed pseudo-random function for short inputs (Aumasson and Bernstein,
 * "SipHash: a fast short-input PRF", 2012), here the MAC of reservation ids. Written out because the JDK has none,
 * and verified against the 64 test vectors of the reference implementation ({@code vectors.h}, which include the
 * paper's Appendix A example).
 *
 * <p>Why SipHash and not HMAC-SHA256: an id is signed on every authorization and checked on every settling event.
 * HMAC-SHA256 costs two SHA-256 compressions plus the JCA machinery (a pooled {@code Mac}, byte arrays); SipHash of
 * the same 16 bytes and a customer id is a few dozen additions, rotations and xors. A 64-bit tag under a 128-bit
 * secret key leaves an online forger a 2^-64 chance per guess, and every guess is a request to the server.
 */
final class SipHash {
    private final long k0;
    private final long k1;

    /** @param key 16 bytes; read little-endian as {@code k0 || k1}, as the reference does */
    SipHash(byte[] key) {
        if (key.length != 16) {
            throw new IllegalArgumentException("a SipHash key is 16 bytes, was " + key.length);
        }
        this.k0 = littleEndian(key, 0, 8);
        this.k1 = littleEndian(key, 8, 8);
    }

    /** SipHash-2-4 of {@code message}. */
    long hash(byte[] message) {
        State s = new State(k0, k1);
        int blocks = message.length & ~7;
        for (int i = 0; i < blocks; i += 8) {
            s.compress(littleEndian(message, i, 8));
        }
        return s.finish(littleEndian(message, blocks, message.length - blocks), message.length);
    }

    /**
     * SipHash-2-4 of the 16 bytes {@code a} and {@code b} (each little-endian) followed by the UTF-8 bytes of
     * {@code text}: the same value as {@link #hash(byte[])} of that concatenation, without building it.
     */
    long hash(long a, long b, String text) {
        State s = new State(k0, k1);
        s.compress(a);
        s.compress(b);
        int n = text.length();
        for (int i = 0; i < n; i++) {
            if (text.charAt(i) >= 0x80) {
                // Not ASCII, so the UTF-8 bytes differ from the chars: take the slow path.
                return hashWithTail(s, text.getBytes(StandardCharsets.UTF_8));
            }
        }
        int full = n & ~7;
        for (int i = 0; i < full; i += 8) {
            long m = 0;
            for (int j = 7; j >= 0; j--) {
                m = m << 8 | text.charAt(i + j);
            }
            s.compress(m);
        }
        long last = 0;
        for (int j = n - 1; j >= full; j--) {
            last = last << 8 | text.charAt(j);
        }
        return s.finish(last, 16 + n);
    }

    private static long hashWithTail(State s, byte[] tail) {
        int blocks = tail.length & ~7;
        for (int i = 0; i < blocks; i += 8) {
            s.compress(littleEndian(tail, i, 8));
        }
        return s.finish(littleEndian(tail, blocks, tail.length - blocks), 16 + tail.length);
    }

    private static long littleEndian(byte[] b, int from, int count) {
        long v = 0;
        for (int i = count - 1; i >= 0; i--) {
            v = v << 8 | (b[from + i] & 0xFFL);
        }
        return v;
    }

    /** The four state words; short-lived, so the JIT keeps them in registers. */
    private static final class State {
        private long v0;
        private long v1;
        private long v2;
        private long v3;

        State(long k0, long k1) {
            v0 = k0 ^ 0x736f6d6570736575L;
            v1 = k1 ^ 0x646f72616e646f6dL;
            v2 = k0 ^ 0x6c7967656e657261L;
            v3 = k1 ^ 0x7465646279746573L;
        }

        void compress(long m) {
            v3 ^= m;
            round();
            round();
            v0 ^= m;
        }

        /** The last block: up to 7 remaining bytes (little-endian in {@code rest}) and the length's low byte. */
        long finish(long rest, int length) {
            compress(rest | (long) length << 56);
            v2 ^= 0xFF;
            round();
            round();
            round();
            round();
            return v0 ^ v1 ^ v2 ^ v3;
        }

        private void round() {
            v0 += v1;
            v1 = Long.rotateLeft(v1, 13);
            v1 ^= v0;
            v0 = Long.rotateLeft(v0, 32);
            v2 += v3;
            v3 = Long.rotateLeft(v3, 16);
            v3 ^= v2;
            v0 += v3;
            v3 = Long.rotateLeft(v3, 21);
            v3 ^= v0;
            v2 += v1;
            v1 = Long.rotateLeft(v1, 17);
            v1 ^= v2;
            v2 = Long.rotateLeft(v2, 32);
        }
    }
}
