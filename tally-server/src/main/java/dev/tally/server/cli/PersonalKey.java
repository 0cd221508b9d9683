package dev.tally.server.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * The admin key of a personal server ({@code tally serve --personal}), kept in {@value #FILE} in the data directory
 * (readable by its owner only), so that one person never has to invent, copy or export a key: the client commands
 * read the same file when no key is given ({@link #find}).
 */
final class PersonalKey {
    /** The file's name in the data directory. */
    static final String FILE = "admin.key";

    private PersonalKey() {
    }

    /** The key in {@code file}, or a new random one written there first. */
    static String readOrCreate(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String key = "tally_admin_" + HexFormat.of().formatHex(random);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file); // not a POSIX file system: the directory's own protection applies
            } catch (FileAlreadyExistsException e) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the admin key in " + file + ": " + e.getMessage(), e);
        }
    }

    /** The key of a personal server in {@code TALLY_DATA_DIR} (else {@code ./data}), or null when there is none. */
    static String find(Map<String, String> env) {
        String dir = env.get("TALLY_DATA_DIR");
        Path file = Path.of(dir == null || dir.isBlank() ? "data" : dir).resolve(FILE);
        try {
            return Files.isReadable(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
