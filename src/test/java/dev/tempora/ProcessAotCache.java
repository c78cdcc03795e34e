package dev.tempora;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
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
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A JVM AOT cache (JEP 514) for the Tempora processes the tests start: they spend most of their
 * time starting, and with the cache a process on the tests' options starts in about half the time.
 * The JVM caches classes from jars only, so the classpath's folders ({@code target/classes},
 * {@code target/test-classes}) are packed into jars first; then one training run, which exits once
 * the application context is up, writes the cache. Both are made once per version of the classes,
 * in a folder of their own under {@code target/process-aot}, under a file lock that the test JVMs
 * running at once share. Each JVM holds a shared lock on the folder it uses, so that a JVM making a
 * new version deletes only folders no JVM uses.
 *
 * <p>Anything that goes wrong leaves the processes to start as before, from the test classpath
 * without a cache; so does {@code -Dtempora.test.process-aot=false}.
 */
final class ProcessAotCache {

    /** How a process is launched: its classpath and the JVM options that use the cache. */
    record Launch(String classpath, List<String> jvmOptions) {}

    private static final Path DIR = Path.of("target", "process-aot");

    /** The longest a training run may take; the processes' own start deadline begins after it. */
    private static final long TRAINING_MINUTES = 3;

    private static Launch resolved;

    /** Held open while this JVM lives: its shared lock marks the folder in use. */
    private static FileChannel inUse;

    private ProcessAotCache() {}

    /** The test classpath, without a cache. */
    static Launch plain() {
        return new Launch(System.getProperty("java.class.path"), List.of());
    }

    /**
     * The launch for a process on {@code jvmOptions} (the options the cache is made with). The
     * first call may take as long as a training run (about 30 s).
     */
    static synchronized Launch launch(List<String> jvmOptions) {
        if (resolved == null) {
            resolved = resolve(jvmOptions);
        }
        return resolved;
    }

    private static Launch resolve(List<String> jvmOptions) {
        if (!Boolean.parseBoolean(System.getProperty("tempora.test.process-aot", "true"))
                || !Files.isDirectory(DIR.getParent())) {
            return plain();
        }
        try {
            Files.createDirectories(DIR);
            try (var lockFile =
                    FileChannel.open(DIR.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                var lock = lockFile.lock();
                try {
                    return readyOrMade(jvmOptions);
                } finally {
                    lock.release();
                }
            }
        } catch (IOException | RuntimeException | InterruptedException trouble) {
            if (trouble instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("No AOT cache for the test processes: " + trouble);
            return plain();
        }
    }

    /** The cache for these classes and options, made first if there is none yet. */
    private static Launch readyOrMade(List<String> jvmOptions) throws IOException, InterruptedException {
        var entries = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        var folder = DIR.resolve(fingerprint(entries, jvmOptions).substring(0, 16));
        var jars = new ArrayList<String>();
        for (int i = 0; i < entries.size(); i++) {
            var entry = Path.of(entries.get(i));
            jars.add(
                    Files.isDirectory(entry)
                            ? folder.resolve(i + "-" + entry.getFileName() + ".jar")
                                    .toAbsolutePath()
                                    .toString()
                            : entries.get(i));
        }
        var cache = folder.resolve("tempora.aot").toAbsolutePath();
        var launch = new Launch(String.join(File.pathSeparator, jars), List.of("-XX:AOTCache=" + cache));
        if (!Files.exists(folder.resolve("ready")) && !Files.exists(folder.resolve("failed"))) {
            deleteUnused();
            Files.createDirectories(folder);
            for (int i = 0; i < entries.size(); i++) {
                var entry = Path.of(entries.get(i));
                if (Files.isDirectory(entry)) {
                    pack(entry, Path.of(jars.get(i)));
                }
            }
            train(launch.classpath(), jvmOptions, folder);
        }
        if (Files.exists(folder.resolve("failed"))) {
            return plain();
        }
        inUse = FileChannel.open(
                folder.resolve("in-use"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        inUse.lock(0, Long.MAX_VALUE, true);
        return launch;
    }

    /** A training run: Tempora on an in-memory database, which exits once its context is up. */
    private static void train(String classpath, List<String> jvmOptions, Path folder)
            throws IOException, InterruptedException {
        long began = System.nanoTime();
        var cache = folder.resolve("tempora.aot");
        var options = new ArrayList<>(jvmOptions);
        options.addAll(List.of("-XX:AOTCacheOutput=" + cache.toAbsolutePath(), "-Dspring.context.exit=onRefresh"));
        var command = TemporaProcess.command(
                options,
                classpath,
                List.of(
                        "--spring.datasource.url=jdbc:h2:mem:training",
                        "--tempora.webhooks.secret=whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                        "--spring.main.banner-mode=off"));
        var log = folder.resolve("training.log");
        var process = new ProcessBuilder(command)
                .directory(folder.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean ended = process.waitFor(TRAINING_MINUTES, TimeUnit.MINUTES);
        if (!ended) {
            process.destroyForcibly();
        }
        boolean made = ended && process.exitValue() == 0 && Files.isRegularFile(cache);
        Files.createFile(folder.resolve(made ? "ready" : "failed"));
        System.out.printf(
                "%s the AOT cache of the test processes in %d s%n",
                made ? "Made" : "Could not make (see " + log + ")",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began));
    }

    /** Deletes the folders of other versions that no JVM holds in use. */
    private static void deleteUnused() throws IOException {
        List<Path> folders;
        try (Stream<Path> listed = Files.list(DIR)) {
            folders = listed.filter(Files::isDirectory).toList();
        }
        for (var folder : folders) {
            try (var channel =
                    FileChannel.open(folder.resolve("in-use"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                var lock = tryLock(channel);
                if (lock != null) {
                    delete(folder);
                    lock.release();
                }
            }
        }
    }

    /** An exclusive lock; null if another JVM, or this one, holds the file. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldHere) {
            return null;
        }
    }

    private static void delete(Path folder) throws IOException {
        List<Path> paths;
        try (Stream<Path> walked = Files.walk(folder)) {
            paths = walked.sorted(Comparator.reverseOrder()).toList();
        }
        for (var path : paths) {
            Files.delete(path);
        }
    }

    /** Packs a folder of classes into a jar, with an entry for each subfolder as build tools make them. */
    private static void pack(Path folder, Path jar) throws IOException {
        List<Path> paths;
        try (Stream<Path> walked = Files.walk(folder)) {
            paths = walked.filter(path -> !path.equals(folder)).sorted().toList();
        }
        try (var out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (var path : paths) {
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

    /**
     * What the cache depends on: the JVM (its build, not only its folder, which an update keeps),
     * its options, and the size and time of every jar and of every file in the folders.
     */
    private static String fingerprint(List<String> entries, List<String> jvmOptions) throws IOException {
        try {
            var digest = MessageDigest.getInstance("SHA-256");
            var jvm = System.getProperty("java.home") + ' ' + System.getProperty("java.vm.version") + ' ' + jvmOptions;
            digest.update((jvm + '\n').getBytes(StandardCharsets.UTF_8));
            for (var entry : entries) {
                if (!Files.exists(Path.of(entry))) {
                    continue;
                }
                List<Path> files;
                try (Stream<Path> walked = Files.walk(Path.of(entry))) {
                    files = walked.filter(Files::isRegularFile).sorted().toList();
                }
                for (var file : files) {
                    digest.update((file + " " + Files.size(file) + " " + Files.getLastModifiedTime(file) + '\n')
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException | UncheckedIOException e) {
            throw new IOException(e);
        }
    }
}
