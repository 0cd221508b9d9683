package dev.tally.server.docs;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15: each recipe in {@code docs/recipes} runs as written against a real server, so the page cannot drift
 * from what Tally does. A recipe's {@code yaml tally.yaml} block is the server's configuration; its {@code bash}
 * blocks run in order in one shell with {@code TALLY}, {@code AUTH}, {@code TALLY_URL} and {@code TALLY_KEY} set as
 * the README's tour sets them ({@code ./tally} runs the CLI of this build); every {@code # -> text} line of a block
 * is a piece of text its output must contain, in that order.
 */
class RecipesTest {
    private static final Path RECIPES = Path.of("..", "docs", "recipes");
    private static final String MARKER = "--- end of block ---";
    private static final Pattern BLOCK = Pattern.compile("(?ms)^```(\\w+)([^\\n]*)\\n(.*?)^```\\s*$");

    @ParameterizedTest
    @ValueSource(strings = {"clinic.md", "usage-api.md", "chatbot.md", "acme-month.md", "personal.md"})
    void recipe_runAsWritten_printsWhatItSays(String recipe, @TempDir Path dir) throws Exception {
        String text = Files.readString(RECIPES.resolve(recipe));
        Path config = null;
        List<String> scripts = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(1).equals("yaml") && m.group(2).trim().equals("tally.yaml")) {
                config = Files.writeString(dir.resolve("tally.yaml"), m.group(3));
            } else if (m.group(1).equals("bash")) {
                scripts.add(m.group(3));
            }
        }
        assertThat(scripts).as("the bash blocks of " + recipe).isNotEmpty();
        try (TestServer server = TestServer.startWith(Backend.SQLITE, dir, MutableClock.at("2026-12-06T12:00:00Z"),
                config, b -> b.defaultPrices(true))) {
            String url = "http://127.0.0.1:" + server.port();
            // One shell for all blocks, as a reader types them: a variable set in one block is there in the next.
            String[] outputs = run(scripts, url, dir);
            for (int i = 0; i < scripts.size(); i++) {
                int from = 0;
                for (String expected : expectations(scripts.get(i))) {
                    int at = outputs[i].indexOf(expected, from);
                    assertThat(at).as("in " + recipe + ", the output of\n" + scripts.get(i) + "\nshould contain, in "
                            + "order: " + expected + "\nbut was:\n" + outputs[i]).isGreaterThanOrEqualTo(0);
                    from = at + expected.length();
                }
            }
        }
    }

    private static List<String> expectations(String script) {
        List<String> out = new ArrayList<>();
        for (String line : script.split("\n")) {
            String t = line.trim();
            if (t.startsWith("# -> ")) {
                out.add(t.substring("# -> ".length()).trim());
            }
        }
        return out;
    }

    /**
     * Runs the blocks in one bash, {@code ./tally} being this build's CLI; answers each block's stdout and stderr
     * together, split at a marker echoed between blocks.
     */
    private static String[] run(List<String> scripts, String url, Path dir) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        StringBuilder all = new StringBuilder("set -e\n")
                .append("tally() { '").append(java).append("' -cp \"$TEST_CLASSPATH\" dev.tally.server.Main \"$@\"; }\n");
        for (String script : scripts) {
            all.append(script.replace("./tally ", "tally ")).append("\necho ").append(MARKER).append('\n');
        }
        Path file = Files.writeString(dir.resolve("recipe.sh"), all);
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).directory(dir.toFile())
                .redirectErrorStream(true);
        pb.environment().put("TEST_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("TALLY", url);
        pb.environment().put("TALLY_URL", url);
        pb.environment().put("TALLY_KEY", TestServer.ADMIN_KEY);
        pb.environment().put("AUTH", "Authorization: Bearer " + TestServer.ADMIN_KEY);
        pb.environment().remove("NO_COLOR");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("exit code of the recipe's commands; output:\n" + out).isZero();
        String[] outputs = out.split(MARKER + "\n", -1);
        assertThat(outputs.length).as(out).isEqualTo(scripts.size() + 1);
        return outputs;
    }
}
