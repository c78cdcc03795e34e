package dev.tempora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the node scripts in {@code src/test/js} that the Java tests call, and asserts it
 * finished in time with exit code 0. The test is skipped, saying so, where node is not on the PATH.
 */
final class NodeScript {

    static final Path TOOLS = Path.of("src/test/js");

    private NodeScript() {}

    /**
     * Runs {@code script} (in {@link #TOOLS}) with {@code args}, its output going to {@code log};
     * returns that output once the script passed.
     */
    static String run(String script, List<String> args, Path log, Duration timeout)
            throws IOException, InterruptedException {
        var node = findNode();
        assumeTrue(node != null, "node is not on the PATH");
        var command = new ArrayList<>(
                List.of(node, TOOLS.resolve(script).toAbsolutePath().toString()));
        command.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        var process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        var output = Files.readString(log);
        assertThat(finished).as("%s finished:%n%s", script, output).isTrue();
        assertThat(process.exitValue()).as("%s passed:%n%s", script, output).isZero();
        return output;
    }

    private static String findNode() {
        for (var dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            var candidate = Path.of(dir, "node");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
