package dev.tally.core.enforce;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Reservation ids that prove who issued them and for whom: {@code rsv_<handle>.<mac>} (base64url parts, which never
 * contain a dot). The handle part is the counter store's {@link CounterStore.Handle} (key and tag, 16 bytes), so the
 * store finds the reservation from the id alone; the MAC (HMAC-SHA256, truncated to 128 bits) covers the handle part
 * and the customer id.
 *
 * <p>Why: reservations live in memory and are released by a restart, but an event that settles one may arrive after
 * the restart. The MAC lets any node, at any time, tell a reservation this installation issued for this customer
 * (accepted: its actual usage counts) from an id it never issued or one issued for another customer (rejected). Ids
 * issued before the handle was carried (a 12-byte random part) still verify; they name no open reservation.
 */
public final class ReservationIds {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();
    /** A handle's key and tag. */
    private static final int HANDLE_BYTES = 16;
    /** {@value #HANDLE_BYTES} bytes in unpadded base64. */
    private static final int HANDLE_CHARS = 22;

    /** Slots of the MAC pool; a few per core is plenty, since a MAC is held for a microsecond. */
    private static final int POOL_SLOTS = 16;

    /** A keyed MAC that is only ever cloned: looking up and keying a MAC costs more than computing one. */
    private final Mac prototype;
    /**
     * Keyed MACs ready for use. Why a pool and not a thread-local: request threads come and go (a virtual thread
     * per request on Java 21+, an idle-timed pool before), and a thread-local MAC would be made anew for each.
     */
    private final AtomicReferenceArray<Mac> pool = new AtomicReferenceArray<>(POOL_SLOTS);

    /** @param secret at least 32 random bytes, the same on every node and across restarts */
    public ReservationIds(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the reservation secret must be at least 32 bytes, was "
                    + secret.length);
        }
        try {
            prototype = Mac.getInstance("HmacSHA256");
            prototype.init(new SecretKeySpec(secret.clone(), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private Mac borrow(int slot) {
        Mac mac = pool.getAndSet(slot, null);
        if (mac != null) {
            return mac;
        }
        try {
            return (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("this JVM's HmacSHA256 cannot be cloned", e);
        }
    }

    /** A fresh 32-byte secret. */
    public static byte[] newSecret() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return secret;
    }

    /** The id of a reservation of {@code customerId} that the counter store holds as {@code handle}. */
    public String issue(String customerId, CounterStore.Handle handle) {
        byte[] payload = new byte[HANDLE_BYTES];
        putLong(payload, 0, handle.key());
        putLong(payload, 8, handle.tag());
        String part = B64.encodeToString(payload);
        return "rsv_" + part + "." + mac(part, customerId);
    }

    /**
     * The handle an id carries, without checking its MAC (a forged handle names no open reservation: its tag does not
     * match); null if {@code id} carries none (malformed, or issued before handles were carried).
     */
    public static CounterStore.Handle handleOf(String id) {
        if (id == null || !id.startsWith("rsv_")) {
            return null;
        }
        int sep = id.indexOf('.', 4);
        if (sep != 4 + HANDLE_CHARS) {
            return null;
        }
        byte[] payload;
        try {
            payload = B64_DECODER.decode(id.substring(4, sep));
        } catch (IllegalArgumentException e) {
            return null;
        }
        return payload.length != HANDLE_BYTES ? null : new CounterStore.Handle(getLong(payload, 0), getLong(payload, 8));
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[at + i] & 0xFF);
        }
        return v;
    }

    /** Whether {@code id} was issued by this installation for {@code customerId}. */
    public boolean isIssuedFor(String id, String customerId) {
        if (id == null || !id.startsWith("rsv_")) {
            return false;
        }
        int sep = id.indexOf('.', 4);
        if (sep < 0) {
            return false;
        }
        String expected = mac(id.substring(4, sep), customerId);
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                id.substring(sep + 1).getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(String random, String customerId) {
        int slot = (int) (Thread.currentThread().getId() & (POOL_SLOTS - 1));
        Mac mac = borrow(slot);
        byte[] full;
        try {
            mac.update(random.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) 0);
            full = mac.doFinal(customerId.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            mac.reset();
            throw e;
        }
        pool.compareAndSet(slot, null, mac); // if another thread returned one first, this one is dropped
        return B64.encodeToString(java.util.Arrays.copyOf(full, 16));
    }
}
