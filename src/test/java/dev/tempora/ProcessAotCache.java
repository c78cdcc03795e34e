package dev.tempora;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A JVM AOT cache (JEP 514) for the Tempora processes the tests start: they spend most of their
 * time starting, and with the cache a process on the tests' options starts in about half the time.
 * The JVM caches classes from jars only, so the classpath's folders ({@code target/classes},
 * {@code target/test-classes}) are packed into jars first; then one training run, which exits once
 * the application context is up, writes the cache. Both are made once per build of the classes,
 * in {@code target/process-aot}, under a file lock that the test JVMs running at once share.
 *
 * <p>Anything that goes wrong leaves the processes to start as before, from the test classpath
 * without a cache; so does {@code -Dtempora.test.process-aot=false}.
 */
final class ProcessAotCache {

    /** How a process is launched: its classpath and the JVM options that use the cache. */
    record Launch(String classpath, List<String> jvmOptions) {}

    private static final Path DIR = Path.of("target", "process-aot");

    private static Launch launch;

    private ProcessAotCache() {}

    /** The launch for a process on {@code jvmOptions} (the options the cache was made with). */
    static synchronized Launch launch(List<String> jvmOptions) {
        if (launch == null) {
            launch = make(jvmOptions);
        }
        return launch;
    }

    private static Launch make(List<String> jvmOptions) {
        var plain = new Launch(System.getProperty("java.class.path"), List.of());
        if (!Boolean.parseBoolean(System.getProperty("tempora.test.process-aot", "true"))
                || !Files.isDirectory(DIR.getParent())) {
            return plain;
        }
        try {
            Files.createDirectories(DIR);
            try (var lockFile =
                    FileChannel.open(DIR.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                var lock = lockFile.lock();
                try {
                    return cached(jvmOptions).orElse(plain);
                } finally {
                    lock.release();
                }
            }
        } catch (IOException | RuntimeException | InterruptedException trouble) {
            if (trouble instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("No AOT cache for the test processes: " + trouble);
            return plain;
        }
    }

    /**
     * The cached launch, made first if the classes changed since; empty if it cannot be made. Each
     * version of the classes gets its own folder, so that no file a running process reads is ever
     * rewritten; the folders of other versions are deleted as a new one is made.
     */
    private static Optional<Launch> cached(List<String> jvmOptions) throws IOException, InterruptedException {
        var entries = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        var made = DIR.resolve(fingerprint(entries, jvmOptions).substring(0, 16));
        var cache = made.resolve("tempora.aot");
        var jars = new ArrayList<String>();
        for (int i = 0; i < entries.size(); i++) {
            var entry = Path.of(entries.get(i));
            jars.add(
                    Files.isDirectory(entry)
                            ? made.resolve(i + "-" + entry.getFileName() + ".jar")
                                    .toAbsolutePath()
                                    .toString()
                            : entries.get(i));
        }
        var launch =
                new Launch(String.join(File.pathSeparator, jars), List.of("-XX:AOTCache=" + cache.toAbsolutePath()));
        if (Files.exists(made.resolve("ready"))) {
            return Optional.of(launch);
        }
        if (Files.exists(made.resolve("failed"))) {
            return Optional.empty();
        }
        try (Stream<Path> folders = Files.list(DIR)) {
            for (var folder : (Iterable<Path>) folders.filter(Files::isDirectory)::iterator) {
                delete(folder);
            }
        }
        Files.createDirectories(made);
        for (int i = 0; i < entries.size(); i++) {
            var entry = Path.of(entries.get(i));
            if (Files.isDirectory(entry)) {
                pack(entry, Path.of(jars.get(i)));
            }
        }
        long began = System.nanoTime();
        boolean trained = train(launch.classpath(), jvmOptions, made);
        Files.createFile(made.resolve(trained ? "ready" : "failed"));
        System.out.printf(
                "%s the AOT cache of the test processes in %d s%n",
                trained ? "Made" : "Could not make (see " + made.resolve("training.log") + ")",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began));
        return trained ? Optional.of(launch) : Optional.empty();
    }

    private static void delete(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (var path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }

    /** A training run: Tempora on an in-memory database, which exits once its context is up. */
    private static boolean train(String classpath, List<String> jvmOptions, Path made)
            throws IOException, InterruptedException {
        var cache = made.resolve("tempora.aot");
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-XX:AOTCacheOutput=" + cache.toAbsolutePath(),
                "-Dspring.context.exit=onRefresh",
                "-cp",
                classpath,
                TemporaApplication.class.getName(),
                "--spring.datasource.url=jdbc:h2:mem:training",
                "--tempora.webhooks.secret=whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                "--spring.main.banner-mode=off"));
        var process = new ProcessBuilder(command)
                .directory(made.toFile())
                .redirectErrorStream(true)
                .redirectOutput(made.resolve("training.log").toFile())
                .start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return false;
        }
        return process.exitValue() == 0 && Files.isRegularFile(cache);
    }

    /** Packs a folder of classes into a jar, with an entry for each subfolder as build tools make them. */
    private static void pack(Path folder, Path jar) throws IOException {
        try (var out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> paths = Files.walk(folder)) {
            for (var path : (Iterable<Path>) paths.sorted()::iterator) {
                if (path.equals(folder)) {
                    continue;
                }
                var name = folder.relativize(path).toString().replace(File.separatorChar, '/');
                if (Files.isDirectory(path)) {
                    out.putNextEntry(new JarEntry(name + "/"));
                } else {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(path, out);
                }
                out.closeEntry();
            }
        }
    }

    /** What the cache depends on: the JVM, its options, the jars, and every file in the folders. */
    private static String fingerprint(List<String> entries, List<String> jvmOptions) throws IOException {
        try {
            var digest = MessageDigest.getInstance("SHA-256");
            digest.update(
                    (System.getProperty("java.home") + '\n' + jvmOptions + '\n').getBytes(StandardCharsets.UTF_8));
            for (var entry : entries) {
                var path = Path.of(entry);
                digest.update((entry + '\n').getBytes(StandardCharsets.UTF_8));
                if (Files.isDirectory(path)) {
                    try (Stream<Path> files = Files.walk(path)) {
                        for (var file : (Iterable<Path>)
                                files.filter(Files::isRegularFile).sorted()::iterator) {
                            digest.update((file + " " + Files.size(file) + " " + Files.getLastModifiedTime(file) + '\n')
                                    .getBytes(StandardCharsets.UTF_8));
                        }
                    }
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException | UncheckedIOException e) {
            throw new IOException(e);
        }
    }
}
