package dev.tally.server.launcher;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15, points 1 and 8: the real {@code ./tally} launcher, run by bash on a stand-in jar (a tiny program
 * compiled here) in a copy of the repository layout. The stand-in prints where it runs from and on which JDK,
 * waits for a line, then loads a class it has not touched yet: the moment a server meets a rewritten jar.
 */
class LauncherTest {
    private static final Path LAUNCHER = Path.of("..", "tally").toAbsolutePath().normalize();

    @TempDir
    Path dir;
    private Path root;
    private Path buildJar;
    private Path runtimeDir;

    @BeforeEach
    void layout() throws Exception {
        root = Files.createDirectories(dir.resolve("repo"));
        Files.copy(LAUNCHER, root.resolve("tally"));
        Files.setPosixFilePermissions(root.resolve("tally"), Set.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE));
        buildJar = Files.createDirectories(root.resolve("tally-server/target")).resolve("tally.jar");
        runtimeDir = dir.resolve("runtime");
        Files.write(buildJar, probeJar("first build", 0));
    }

    @Test
    void launcher_buildRewritesTheJarWhileItRuns_theRunningServerKeepsLoadingItsClasses() throws Exception {
        Process run = launch("serve");
        try (BufferedReader out = reader(run)) {
            String jarLine = out.readLine();
            assertThat(jarLine).as("the stand-in started").startsWith("jar=");
            Path running = Path.of(jarLine.substring(4));
            assertThat(running).as("runs a private copy, not the jar a build writes")
                    .isNotEqualTo(buildJar).startsWith(runtimeDir);
            out.readLine(); // home=
            // What the example app's build did: the jar rewritten in place, with another layout.
            Files.write(buildJar, probeJar("second build", 200_000));
            try (OutputStream in = run.getOutputStream()) {
                in.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(out.readLine()).as("a class loaded after the rebuild").isEqualTo("later: first build");
        }
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).isZero();
    }

    @Test
    void launcher_nextStartAfterARebuild_runsTheNewJarFromItsOwnCopy() throws Exception {
        Path first = Path.of(firstLine(launch("usage")).substring(4));
        Files.write(buildJar, probeJar("second build", 1000));
        Path second = Path.of(firstLine(launch("usage")).substring(4));
        assertThat(second).isNotEqualTo(first).startsWith(runtimeDir);
        assertThat(first).as("the first copy is left to a server that may still run it").exists();
    }

    @Test
    void launcher_javaHomeSet_usesItAndSaysSoOnce() throws Exception {
        String home = System.getProperty("java.home");
        ProcessBuilder pb = builder("serve");
        pb.environment().put("JAVA_HOME", home);
        Process run = pb.start();
        String stdout;
        try (BufferedReader out = reader(run)) {
            out.readLine();
            stdout = out.readLine();
            run.getOutputStream().close();
        }
        run.waitFor(30, TimeUnit.SECONDS);
        String stderr = new String(run.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(stdout).isEqualTo("home=" + Path.of(home).toRealPath());
        List<String> said = stderr.lines().filter(l -> l.startsWith("tally: using Java")).toList();
        assertThat(said).as(stderr).hasSize(1);
        assertThat(said.get(0)).contains(home).contains("JAVA_HOME");
    }

    @Test
    void launcher_cliCommandWithTheSameJava_doesNotRepeatWhichJava() throws Exception {
        Process first = launch("usage");
        first.getOutputStream().close();
        first.waitFor(30, TimeUnit.SECONDS);
        assertThat(new String(first.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("tally: using Java");
        Process second = launch("usage");
        second.getOutputStream().close();
        second.waitFor(30, TimeUnit.SECONDS);
        assertThat(new String(second.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .doesNotContain("using Java");
    }

    private Process launch(String command) throws IOException {
        return builder(command).start();
    }

    private ProcessBuilder builder(String command) {
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("tally").toString(), command);
        pb.environment().put("TALLY_RUNTIME_DIR", runtimeDir.toString());
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("TALLY_JAVA_OPTS");
        return pb;
    }

    private static BufferedReader reader(Process process) {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static String firstLine(Process process) throws Exception {
        try (BufferedReader out = reader(process)) {
            String line = out.readLine();
            process.getOutputStream().close();
            process.waitFor(30, TimeUnit.SECONDS);
            assertThat(line).startsWith("jar=");
            return line;
        }
    }

    /**
     * A runnable jar: {@code Probe} prints its jar and JDK, waits for a line, then loads {@code Later}, which prints
     * {@code label}. {@code paddingBytes} of incompressible filler first, so a rewritten jar has another layout.
     */
    private byte[] probeJar(String label, int paddingBytes) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src-" + label.hashCode()));
        Path classes = Files.createDirectories(src.resolve("classes"));
        Files.writeString(src.resolve("Probe.java"), """
                public class Probe {
                    public static void main(String[] args) throws Exception {
                        System.out.println("jar=" + java.nio.file.Path.of(Probe.class.getProtectionDomain()
                                .getCodeSource().getLocation().toURI()));
                        System.out.println("home=" + java.nio.file.Path.of(System.getProperty("java.home"))
                                .toRealPath());
                        System.out.flush();
                        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
                        Later.say();
                    }
                }
                """);
        Files.writeString(src.resolve("Later.java"), """
                class Later {
                    static void say() { System.out.println("later: %s"); }
                }
                """.formatted(label));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "--release", "17", "-d", classes.toString(),
                src.resolve("Probe.java").toString(), src.resolve("Later.java").toString());
        assertThat(rc).as("the stand-in compiles").isZero();
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Probe");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            if (paddingBytes > 0) {
                jar.putNextEntry(new JarEntry("padding.bin"));
                byte[] noise = new byte[paddingBytes];
                new java.util.Random(42).nextBytes(noise);
                jar.write(noise);
            }
            for (String name : List.of("Probe.class", "Later.class")) {
                jar.putNextEntry(new JarEntry(name));
                jar.write(Files.readAllBytes(classes.resolve(name)));
            }
        }
        return bytes.toByteArray();
    }
}
