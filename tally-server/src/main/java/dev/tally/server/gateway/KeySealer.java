package dev.tally.server.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals upstream API keys before they reach the store, and opens them for a call: AES-256-GCM with a fresh 96-bit
 * nonce per key; the sealed text is {@code v1:} and the base-64 of nonce and ciphertext (with its tag), so a store
 * dump holds no usable key and a changed byte fails to open instead of opening to something else.
 *
 * <p>The key: {@value #KEY_VARIABLE} (base 64 of 32 bytes) when set, so that every node of one database shares it;
 * else the file {@value #KEY_FILE} in the data directory, generated on first start (readable by its owner only).
 */
public final class KeySealer {
    /** The environment variable holding the sealing key, base 64 of 32 bytes. */
    public static final String KEY_VARIABLE = "TALLY_GATEWAY_KEY";
    /** The file in the data directory that holds a generated sealing key. */
    public static final String KEY_FILE = "gateway.key";
    private static final String PREFIX = "v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    /** A sealer with this 32-byte key. */
    public KeySealer(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("the gateway's sealing key must be 32 bytes, was " + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
    }

    /**
     * The sealer of this server: the key of {@code variable} (the value of {@value #KEY_VARIABLE}) if set, else the
     * one in {@code dataDir}, generated there on first start.
     */
    public static KeySealer load(String variable, Path dataDir) {
        if (variable != null && !variable.isBlank()) {
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(variable.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(KEY_VARIABLE + " must be the base 64 of 32 random bytes "
                        + "(openssl rand -base64 32), was not base 64");
            }
            if (bytes.length != 32) {
                throw new IllegalArgumentException(KEY_VARIABLE + " must be the base 64 of 32 random bytes "
                        + "(openssl rand -base64 32), was " + bytes.length + " bytes");
            }
            return new KeySealer(bytes);
        }
        return new KeySealer(fileKey(dataDir.resolve(KEY_FILE)));
    }

    private static byte[] fileKey(Path file) {
        try {
            if (!Files.exists(file)) {
                byte[] fresh = new byte[32];
                RANDOM.nextBytes(fresh);
                Files.createDirectories(file.toAbsolutePath().getParent());
                try {
                    Files.writeString(file, Base64.getEncoder().encodeToString(fresh) + "\n",
                            StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    ownerOnly(file);
                    return fresh;
                } catch (FileAlreadyExistsException raced) {
                    // Another process created it meanwhile: use theirs.
                }
            }
            byte[] bytes = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
            if (bytes.length != 32) {
                throw new IllegalArgumentException(file + " must hold the base 64 of 32 bytes, holds " + bytes.length);
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the gateway's sealing key " + file, e);
        }
    }

    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system (Windows): its default ACLs apply.
        }
    }

    /** The sealed form of {@code plain}. */
    public String seal(String plain) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * The plain text of a sealed key.
     *
     * @throws IllegalStateException if it was sealed with another key or changed since (the message says so, never
     *                               the key)
     */
    public String open(String sealed) {
        if (!sealed.startsWith(PREFIX)) {
            throw new IllegalStateException("a stored upstream key is not sealed in a known format");
        }
        byte[] bytes = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
            return new String(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored upstream key cannot be opened: it was sealed with another key "
                    + "(set " + KEY_VARIABLE + " to the same value on every node) or changed since");
        }
    }
}
