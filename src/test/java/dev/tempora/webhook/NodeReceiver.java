package dev.tempora.webhook;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** The Node receiver of src/test/js/webhook-verify, which verifies deliveries with npm's standardwebhooks. */
final class NodeReceiver implements AutoCloseable {

    private static final Path SOURCE = Path.of("src/test/js/webhook-verify");

    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final int port;

    private NodeReceiver(Process process) throws Exception {
        this.process = process;
        var reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread.ofVirtual().start(() -> {
            try {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(line);
                }
            } catch (IOException closed) {
                // the process ended
            }
        });
        var first = nextLine(Duration.ofSeconds(15));
        if (first == null || !first.startsWith("listening ")) {
            process.destroyForcibly();
            throw new IllegalStateException("node receiver did not start: " + first);
        }
        this.port = Integer.parseInt(first.substring("listening ".length()).strip());
    }

    /** Copies the receiver to target/ and installs its locked dependencies; skips the test if it cannot. */
    static Path prepare() throws Exception {
        Assumptions.assumeTrue(
                runs(List.of("node", "--version"), Path.of("."), 20),
                "node is not installed: skipping the verification with npm's standardwebhooks");
        var work = Path.of("target/webhook-verify");
        Files.createDirectories(work);
        for (var file : List.of("package.json", "package-lock.json", "receiver.mjs")) {
            Files.copy(SOURCE.resolve(file), work.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(work.resolve("node_modules/standardwebhooks"))) {
            Assumptions.assumeTrue(
                    runs(List.of("npm", "ci", "--no-audit", "--no-fund", "--silent"), work, 180),
                    "npm ci failed (is the npm registry reachable?): skipping the verification with npm's standardwebhooks");
        }
        return work;
    }

    static NodeReceiver start(Path work, String secret) throws Exception {
        var process = new ProcessBuilder("node", "receiver.mjs", secret)
                .directory(work.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        return new NodeReceiver(process);
    }

    int port() {
        return port;
    }

    String nextLine(Duration wait) throws InterruptedException {
        return lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean runs(List<String> command, Path dir, int seconds) {
        try {
            var process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException notInstalled) {
            return false;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
