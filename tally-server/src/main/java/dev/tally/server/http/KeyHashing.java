package dev.tally.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Making and checking API keys. Keys carry 256 random bits, so a single SHA-256 is a sound way to store them (a slow
 * password hash protects guessable secrets, which these are not), and comparison is constant-time.
 */
public final class KeyHashing {
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyHashing() {
    }

    /**
     * A digest copied for each hash: looking the algorithm up among the security providers cost more than the hash
     * itself, and every authorization and event hashes its key.
     */
    private static final MessageDigest SHA_256 = digest();

    public static byte[] sha256(String text) {
        try {
            return ((MessageDigest) SHA_256.clone()).digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            return digest().digest(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public static String sha256Hex(String text) {
        return HexFormat.of().formatHex(sha256(text));
    }

    /**
     * The id of a key that has no stored record (the admin key): the first 8 hex digits of its SHA-256. It tells keys
     * apart in records of who did what (after the admin key changed, say) and reveals nothing useful of the key.
     */
    public static String keyId(byte[] sha256) {
        return HexFormat.of().formatHex(sha256, 0, 4);
    }

    /** Whether two hashes are equal, in time independent of where they differ. */
    public static boolean sameHash(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    /** {@code bytes} random bytes, base64url without padding. */
    public static String randomToken(int bytes) {
        byte[] raw = new byte[bytes];
        RANDOM.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** A random lowercase alphanumeric id part of {@code length} characters. */
    public static String randomId(int length) {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
