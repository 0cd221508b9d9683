package dev.tally.server.cli;

import dev.tally.server.config.ServerConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The flags shared by {@code serve} and {@code demo}; each overrides its environment variable and tally.yaml. */
public final class ServerOptions {
    @Option(names = "--port", description = "HTTP port (env TALLY_PORT, default 8080; 0 picks a free port)")
    Integer port;

    @Option(names = "--data-dir", description = "where the embedded store lives (env TALLY_DATA_DIR, default ./data)")
    Path dataDir;

    @Option(names = "--database-url", description = "JDBC URL; jdbc:postgresql:... switches to PostgreSQL "
            + "(env TALLY_DATABASE_URL)")
    String databaseUrl;

    @Option(names = "--config", description = "path of tally.yaml (env TALLY_CONFIG, default ./tally.yaml if present)")
    Path config;

    /** The configuration from the environment, with {@code tally.yaml}'s path and then these flags applied. */
    ServerConfig resolve(java.util.Map<String, String> env) {
        ServerConfig c = ServerConfig.fromEnvironment(env);
        return config == null ? c : c.toBuilder().configFile(config).build();
    }

    /** Lays the flags over a configuration that already has {@code tally.yaml}'s server section applied. */
    public ServerConfig applyFlags(ServerConfig c) {
        ServerConfig.Builder b = c.toBuilder();
        if (port != null) {
            b.port(port);
        }
        if (dataDir != null) {
            b.dataDir(dataDir);
        }
        if (databaseUrl != null) {
            b.databaseUrl(databaseUrl);
        }
        return b.build();
    }
}
