package dev.tally.core.reservation;

import dev.tally.core.counter.CounterStore;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Reservation ids that prove who issued them and for whom: {@code rsv_<handle>.<mac>}, base64url parts (which never
 * contain a dot). The handle part is the counter store's {@link CounterStore.Handle}, its key masked (16 bytes), so
 * the store finds the reservation from the id alone; the MAC (SipHash-2-4, 64 bits) covers the handle part and the
 * customer id.
 *
 * <p>Why: reservations live in memory and are released by a restart, but an event that settles one may arrive after
 * the restart. The MAC lets any node, at any time, tell a reservation this installation issued for this customer
 * (accepted: its actual usage counts) from an id it never issued or one issued for another customer (rejected).
 *
 * <p>The key of a handle says where the store keeps a reservation (for the in-memory store: a customer number and a
 * slot), which is nobody else's business: it is xored with a keyed hash of the random tag, so ids look random and
 * tell nothing about how many customers or reservations there are.
 *
 * <p>Keys: SipHash needs 128 bits and the mask another 128; both are derived from the installation's secret with
 * HMAC-SHA256 once, at construction. Ids of the earlier format ({@code rsv_<12 random bytes>.<HMAC-SHA256 of them,
 * 16 bytes>}) still verify, so a settlement sent across an upgrade is accepted; they name no open reservation.
 */
public final class ReservationIds {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
    private static final int[] VALUE = new int[128];
    /** {@code rsv_}, 22 characters for 16 bytes, a dot, 11 characters for the 8-byte MAC. */
    private static final int LENGTH = 4 + 22 + 1 + 11;
    /** The earlier format: {@code rsv_}, 16 characters for 12 random bytes, a dot, 22 for the 16-byte HMAC. */
    private static final int LEGACY_LENGTH = 4 + 16 + 1 + 22;

    static {
        Arrays.fill(VALUE, 64);
        for (int i = 0; i < ALPHABET.length; i++) {
            VALUE[ALPHABET[i]] = i;
        }
    }

    /** How many recently issued ids {@link #handle} finds without decoding them (a power of two). */
    private static final int RECENT = 1024;

    private final SipHash mac;
    private final SipHash mask;
    /** Keyed HMAC-SHA256 for ids of the earlier format only: cloned per check, which is rare. */
    private final Mac legacy;
    /**
     * The ids issued lately and their handles, at a place picked by two characters of the tag: an event settling
     * a call usually follows its authorization closely, and finding its handle here saves decoding the id and
     * hashing its tag again for the mask. A hit answers exactly what decoding would (an id is a function of its
     * handle), so races that overwrite entries only cost a miss; entries are immutable, so sharing them unlocked is
     * safe.
     */
    private final Issued[] recent = new Issued[RECENT];

    /** @param secret at least 32 random bytes, the same on every node and across restarts */
    public ReservationIds(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the reservation secret must be at least 32 bytes, was "
                    + secret.length);
        }
        try {
            legacy = Mac.getInstance("HmacSHA256");
            legacy.init(new SecretKeySpec(secret.clone(), "HmacSHA256"));
            Mac derive = (Mac) legacy.clone();
            byte[] keys = derive.doFinal("tally reservation ids: siphash-2-4 and mask keys"
                    .getBytes(StandardCharsets.US_ASCII));
            mac = new SipHash(Arrays.copyOfRange(keys, 0, 16));
            mask = new SipHash(Arrays.copyOfRange(keys, 16, 32));
        } catch (GeneralSecurityException | CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM or cannot be cloned", e);
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
        long tag = handle.tag();
        long maskedKey = handle.key() ^ mask.hash(tag, 0, "");
        long signature = mac.hash(maskedKey, tag, customerId);
        // Base64url of the 16 bytes maskedKey || tag, big-endian: 10 characters of the key's top 60 bits, one of its
        // last 4 and the tag's first 2, 10 of the tag's next 60, one of its last 2 and four zero bits; then a dot and
        // the 8-byte MAC: 10 characters of its top 60 bits, one of its last 4 and two zero bits. Written out rather
        // than looped over bit positions, and as one string concatenation rather than a byte array made into a
        // string: the JDK's concatenation writes the characters straight into the string's own array, where
        // new String(bytes) copies them into a second one (this runs on every authorization).
        long k = maskedKey;
        long t = tag;
        long m = signature;
        String issued = "rsv_"
                + c(k >>> 58) + c(k >>> 52) + c(k >>> 46) + c(k >>> 40) + c(k >>> 34)
                + c(k >>> 28) + c(k >>> 22) + c(k >>> 16) + c(k >>> 10) + c(k >>> 4)
                + c((k & 15) << 2 | t >>> 62) + c(t >>> 56) + c(t >>> 50) + c(t >>> 44) + c(t >>> 38)
                + c(t >>> 32) + c(t >>> 26) + c(t >>> 20) + c(t >>> 14) + c(t >>> 8)
                + c(t >>> 2) + c((t & 3) << 4)
                + '.'
                + c(m >>> 58) + c(m >>> 52) + c(m >>> 46) + c(m >>> 40) + c(m >>> 34)
                + c(m >>> 28) + c(m >>> 22) + c(m >>> 16) + c(m >>> 10) + c(m >>> 4)
                + c((m & 15) << 2);
        // recentIndex(id[15], id[16]), from the tag's bits those two characters spell.
        recent[(int) ((tag >>> 56 & 63) << 6 ^ tag >>> 50 & 63) & (RECENT - 1)] = new Issued(issued, handle);
        return issued;
    }

    /** The base64url character of the low six bits of {@code bits}. */
    private static char c(long bits) {
        return ALPHABET[(int) bits & 63];
    }

    /** Where {@link #recent} keeps an id whose tag's first two characters are {@code a} and {@code b}. */
    private static int recentIndex(int a, int b) {
        return (value((char) a) << 6 ^ value((char) b)) & (RECENT - 1);
    }

    /**
     * Whether two ids of {@link #LENGTH} characters are equal, in a time that does not depend on where they differ:
     * {@code String.equals} stops at the first difference, which would let a caller guessing ids learn a cached
     * id's characters one by one from the answer's timing.
     * A loop over the characters, not {@code MessageDigest.isEqual}, which would need two byte arrays per check.
     */
    private static boolean sameInConstantTime(String issued, String presented) {
        int difference = 0;
        for (int i = 0; i < LENGTH; i++) {
            difference |= issued.charAt(i) ^ presented.charAt(i);
        }
        return difference == 0;
    }

    /** An id and the handle it was issued for. */
    private record Issued(String id, CounterStore.Handle handle) {
    }

    /**
     * The handle an id carries, without checking its MAC (a forged handle names no open reservation: its tag does not
     * match); null if {@code id} carries none (malformed, or of the earlier format).
     */
    public CounterStore.Handle handle(String id) {
        if (id != null && id.length() == LENGTH) {
            Issued issued = recent[recentIndex(id.charAt(15), id.charAt(16))];
            if (issued != null && sameInConstantTime(issued.id, id)) {
                return issued.handle;
            }
        }
        long[] words = decode(id, false);
        return words == null ? null : new CounterStore.Handle(words[0] ^ mask.hash(words[1], 0, ""), words[1]);
    }

    /** Whether {@code id} was issued by this installation for {@code customerId}. */
    public boolean isIssuedFor(String id, String customerId) {
        if (id == null || !id.startsWith("rsv_")) {
            return false;
        }
        if (id.length() == LEGACY_LENGTH && id.charAt(20) == '.') {
            return isLegacyIssuedFor(id, customerId);
        }
        long[] words = decode(id, true);
        return words != null && mac.hash(words[0], words[1], customerId) == words[2];
    }

    /**
     * The masked key, the tag and (if {@code withMac}) the MAC of an id of the current format; null if it is not one.
     * Unused bits must be zero, so one reservation has exactly one spelling.
     */
    private static long[] decode(String id, boolean withMac) {
        if (id == null || id.length() != LENGTH || !id.startsWith("rsv_") || id.charAt(26) != '.') {
            return null;
        }
        int seen = 0; // the values read, or-ed: bit 6 is set if any character was outside the alphabet
        // 22 characters are 132 bits: 64 of the masked key, 64 of the tag, then 4 zero bits.
        long key = 0;
        for (int i = 4; i < 14; i++) { // 10 characters, 60 bits
            int v = value(id.charAt(i));
            seen |= v;
            key = key << 6 | v;
        }
        int straddle = value(id.charAt(14)); // the key's last 4 bits, the tag's first 2
        key = key << 4 | straddle >>> 2;
        long tag = straddle & 3;
        for (int i = 15; i < 25; i++) { // 10 characters, 60 bits
            int v = value(id.charAt(i));
            seen |= v;
            tag = tag << 6 | v;
        }
        int last = value(id.charAt(25)); // the tag's last 2 bits, then 4 zero bits
        tag = tag << 2 | last >>> 4;
        if (((seen | straddle | last) & 64) != 0 || (last & 15) != 0) {
            return null;
        }
        if (!withMac) {
            return new long[]{key, tag};
        }
        // 11 characters are 66 bits: the 64 of the MAC, then 2 zero bits.
        long signature = 0;
        for (int i = 27; i < 37; i++) {
            int v = value(id.charAt(i));
            seen |= v;
            signature = signature << 6 | v;
        }
        int end = value(id.charAt(37));
        signature = signature << 4 | end >>> 2;
        return ((seen | end) & 64) != 0 || (end & 3) != 0 ? null : new long[]{key, tag, signature};
    }

    /** The six bits a base64url character stands for; 64 for any other character. */
    private static int value(char c) {
        return c < 128 ? VALUE[c] : 64;
    }

    private boolean isLegacyIssuedFor(String id, String customerId) {
        byte[] full;
        try {
            Mac hmac = (Mac) legacy.clone();
            hmac.update(id.substring(4, 20).getBytes(StandardCharsets.US_ASCII));
            hmac.update((byte) 0);
            full = hmac.doFinal(customerId.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("this JVM's HmacSHA256 cannot be cloned", e);
        }
        String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(full, 16));
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                id.substring(21).getBytes(StandardCharsets.US_ASCII));
    }
}
