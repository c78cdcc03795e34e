package dev.tempora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Tempora as a separate OS process (the test classpath, so the test handlers are there too), for
 * tests that kill it: {@code kill -9} is {@link #kill()}, SIGTERM is {@link #terminate()}.
 */
public final class TemporaProcess implements AutoCloseable {

    /** Spring Boot's line once Tomcat listens: "Tomcat started on port 41235 (http) with ...". */
    private static final Pattern LISTENING = Pattern.compile("Tomcat started on ports? (\\d+)");

    /** The JVM options of {@link #start(Path, String, String...)}: a capped heap, and C1 only, which starts faster. */
    public static final List<String> TEST_JVM = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1");

    /** How long a process may take to listen, then to be healthy. */
    private static final Duration START_LIMIT = Duration.ofSeconds(90);

    private final Process process;
    private final Path log;
    private final int port;
    private final long startDeadline;

    private TemporaProcess(Process process, Path log, int port, long startDeadline) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.startDeadline = startDeadline;
    }

    /**
     * Starts Tempora with {@code args} ({@code --name=value}) and waits until it is healthy. It
     * listens on a port of the kernel's choice, read from its log: a port found free here and
     * handed over could be taken in between (three instances start at once in the cluster tests).
     */
    public static TemporaProcess start(Path workDir, String name, String... args) throws IOException {
        return start(workDir, name, TEST_JVM, args);
    }

    /** Starts Tempora as {@link #start(Path, String, String...)} does, in a JVM with {@code jvmOptions}. */
    public static TemporaProcess start(Path workDir, String name, List<String> jvmOptions, String... args)
            throws IOException {
        var started = listening(workDir, name, jvmOptions, args);
        started.awaitHealthy();
        return started;
    }

    /**
     * Starts Tempora as {@link #start} does, but returns as soon as its web server listens, which it
     * does before the application has finished starting.
     */
    public static TemporaProcess startListening(Path workDir, String name, String... args) throws IOException {
        return listening(workDir, name, TEST_JVM, args);
    }

    private static TemporaProcess listening(Path workDir, String name, List<String> jvmOptions, String... args)
            throws IOException {
        // On the tests' options, from the AOT cache made for them (the first time, after a training
        // run, which the start deadline does not count); other options go without.
        var launch = jvmOptions.equals(TEST_JVM) ? ProcessAotCache.launch(TEST_JVM) : ProcessAotCache.plain();
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        var options = new ArrayList<>(jvmOptions);
        options.addAll(launch.jvmOptions());
        var arguments = new ArrayList<>(
                List.of("--server.port=0", "--server.address=127.0.0.1", "--spring.main.banner-mode=off"));
        arguments.addAll(List.of(args));
        var command = command(options, launch.classpath(), arguments);
        var log = workDir.resolve(name + ".log");
        var process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new TemporaProcess(process, log, awaitPort(process, log, deadline), deadline);
    }

    /** The command line of a Tempora JVM: this JVM's java, {@code jvmOptions}, the classpath, the arguments. */
    static List<String> command(List<String> jvmOptions, String classpath, List<String> arguments) {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classpath, TemporaApplication.class.getName()));
        command.addAll(arguments);
        return command;
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
        return tail(log);
    }

    private static String tail(Path log) {
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

    /** The port the web server reports in the log once it listens. */
    private static int awaitPort(Process process, Path log, long deadline) throws IOException {
        while (true) {
            var listening = LISTENING.matcher(Files.readString(log));
            if (listening.find()) {
                return Integer.parseInt(listening.group(1));
            }
            pauseDuringStartUp(process, log, deadline, "did not listen");
        }
    }

    private void awaitHealthy() {
        var api = new Api(port);
        while (true) {
            try {
                if (api.get("/actuator/health").status() == 200) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // not answering yet
            }
            pauseDuringStartUp(process, log, startDeadline, "did not become healthy");
        }
    }

    /** Waits a little for start-up to go on; fails if the process exited or the deadline passed. */
    private static void pauseDuringStartUp(Process process, Path log, long deadline, String failure) {
        if (!process.isAlive()) {
            throw new AssertionError("Tempora exited during start-up:\n" + tail(log));
        }
        if (System.nanoTime() - deadline > 0) {
            process.destroyForcibly();
            throw new AssertionError("Tempora " + failure + " within " + START_LIMIT.toSeconds() + " s:\n" + tail(log));
        }
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
