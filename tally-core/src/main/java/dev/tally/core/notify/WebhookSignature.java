package dev.tally.core.notify;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Signatures in the Standard Webhooks style (https://www.standardwebhooks.com): the receiver gets the headers
 * {@code webhook-id}, {@code webhook-timestamp} (unix seconds) and {@code webhook-signature: v1,<base64 signature>},
 * where the signature is the HMAC-SHA256 of {@code "<id>.<timestamp>.<body>"} under the secret's key. A secret is
 * written {@code whsec_<base64 key>}; the key is the decoded part.
 */
public final class WebhookSignature {
    /** The prefix of a written secret. */
    public static final String SECRET_PREFIX = "whsec_";
    /** The rule for secrets in words, for error messages. */
    public static final String SECRET_RULE = "must be whsec_ followed by a base64 key of 24 to 64 bytes";
    private static final int GENERATED_KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSignature() {
    }

    /** A new random secret, written {@code whsec_<base64 of 32 random bytes>}. */
    public static String newSecret() {
        byte[] key = new byte[GENERATED_KEY_BYTES];
        RANDOM.nextBytes(key);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** Whether {@code secret} is a written secret with a key of 24 to 64 bytes. */
    public static boolean isValidSecret(String secret) {
        try {
            int length = key(secret).length;
            return length >= 24 && length <= 64;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The {@code webhook-signature} header value for one message.
     *
     * @param secret           the written secret ({@code whsec_...})
     * @param id               the {@code webhook-id}
     * @param timestampSeconds the {@code webhook-timestamp}
     * @param body             the exact body sent
     */
    public static String sign(String secret, String id, long timestampSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
            byte[] signed = mac.doFinal((id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(signed);
        } catch (GeneralSecurityException e) {
            // HmacSHA256 is required of every JRE; a failure here is a broken runtime, not bad input.
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static byte[] key(String secret) {
        if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException("a webhook secret " + SECRET_RULE);
        }
        return Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    }
}
