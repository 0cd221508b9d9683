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
 * Reservation ids that prove who issued them and for whom: {@code rsv_<random>.<mac>} (base64url parts, which never contain a dot), where the MAC (HMAC-SHA256,
 * truncated to 128 bits) covers the random part and the customer id.
 *
 * <p>Why: reservations live in memory and are released by a restart, but an event that settles one may arrive after
 * the restart. The MAC lets any node, at any time, tell a reservation this installation issued for this customer
 * (accepted: its actual usage counts) from an id it never issued or one issued for another customer (rejected).
 */
public final class ReservationIds {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

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

    /** A new id for a reservation of {@code customerId}. */
    public String issue(String customerId) {
        // The nonce only has to be unique (the MAC makes the id unforgeable), so a fast generator will do.
        byte[] nonce = new byte[12];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(nonce);
        String random = B64.encodeToString(nonce);
        return "rsv_" + random + "." + mac(random, customerId);
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
