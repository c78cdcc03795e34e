package dev.tempora;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tempora as a separate OS process (the test classpath, so the test handlers are there too), for
 * tests that kill it: {@code kill -9} is {@link #kill()}, SIGTERM is {@link #terminate()}.
 */
public final class TemporaProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final int port;

    private TemporaProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts Tempora with {@code args} ({@code --name=value}) and waits until it is healthy. */
    public static TemporaProcess start(Path workDir, String name, String... args) throws IOException {
        int port = freePort();
        var command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                TemporaApplication.class.getName(),
                "--server.port=" + port,
                "--spring.main.banner-mode=off"));
        command.addAll(List.of(args));
        var log = workDir.resolve(name + ".log");
        var process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        var started = new TemporaProcess(process, log, port);
        started.awaitHealthy(Duration.ofSeconds(90));
        return started;
    }

    public Api api() {
        return new Api(port);
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** Sends a signal ({@code STOP}, {@code CONT}) to the process, as {@code kill -SIGNAL pid}. */
    public void signal(String signal) throws IOException, InterruptedException {
        var kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + signal + " failed");
        }
    }

    /** {@code kill -9}: no shutdown hook, no graceful anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits for the process to exit; returns its exit code. */
    public int terminate(Duration wait) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("did not exit within " + wait + "\n" + logTail());
        }
        return process.exitValue();
    }

    public String logTail() {
        try {
            var lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    private void awaitHealthy(Duration timeout) {
        var api = new Api(port);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("Tempora exited during start-up:\n" + logTail());
            }
            try {
                if (api.get("/actuator/health").status() == 200) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        process.destroyForcibly();
        throw new AssertionError("Tempora did not become healthy within " + timeout + ":\n" + logTail());
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
