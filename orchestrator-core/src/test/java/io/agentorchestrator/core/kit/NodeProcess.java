package io.agentorchestrator.core.kit;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Node.js program from {@code orchestrator-examples} run as a child process by a test: installs
 * its packages with {@code npm ci} from the checked-in lock file when {@code node_modules} lacks
 * one, fails with a message saying what to install when node or npm is absent, and collects what
 * it prints so a test can wait for a line. {@link #kill()} is a crash (no cleanup in the child);
 * {@link #close()} closes its stdin, on which the programs stop cleanly.
 */
public final class NodeProcess implements AutoCloseable {

    private static final long NPM_CI_TIMEOUT_SECONDS = 300;

    private final Process process;
    private final String name;
    private final Path log;
    private final List<String> lines = new ArrayList<>();
    /** Set (under {@link #lines}) once the reader met the end of the output: the process closed it, so no line will follow. */
    private boolean outputEnded;

    private NodeProcess(Process process, String name, Path log) {
        this.process = process;
        this.name = name;
        this.log = log;
    }

    /**
     * The directory of a Node program in {@code orchestrator-examples}, checked to hold {@code file}
     * and a lock file. Tests run from their module's directory, as Maven runs them.
     */
    public static Path examplesDirectory(String name, String file) {
        Path dir = Path.of(System.getProperty("user.dir")).resolve("../orchestrator-examples").resolve(name).normalize();
        if (!Files.isRegularFile(dir.resolve(file)) || !Files.isRegularFile(dir.resolve("package-lock.json"))) {
            throw new AssertionError("The Node program is missing: expected " + file + " and package-lock.json in " + dir
                    + " (run the tests from a module directory of this project, as Maven does)");
        }
        return dir;
    }

    /**
     * Starts {@code node <script> <args...>} in {@code dir} with extra environment variables, after
     * {@code npm ci} if any of {@code packages} is not installed there.
     */
    public static NodeProcess start(Path dir, List<String> packages, Map<String, String> environment, String script, String... args)
            throws IOException, InterruptedException {
        requireTool("node");
        requireTool("npm");
        if (packages.stream().anyMatch(p -> !Files.isDirectory(dir.resolve("node_modules").resolve(p)))) {
            npmCi(dir);
        }
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Path log = Files.createTempFile(script.replaceAll("\\W", "-") + "-", ".log");
        NodeProcess p = new NodeProcess(builder.start(), script, log);
        p.readOutput();
        return p;
    }

    private void readOutput() {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    Files.writeString(log, line + System.lineSeparator(), StandardOpenOption.APPEND);
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // The process is gone; what it printed is in the log.
            }
            synchronized (lines) {
                outputEnded = true;
                lines.notifyAll();
            }
        }, "node-output-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Waits for a line this process prints (or printed) that {@code pattern} finds a match in.
     *
     * @throws AssertionError with everything it printed when none comes within {@code timeout} or it exits first
     */
    public Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        synchronized (lines) {
            while (true) {
                for (; seen < lines.size(); seen++) {
                    Matcher m = pattern.matcher(lines.get(seen));
                    if (m.find()) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                // Gone and read to the end: a process that exited may still have lines in the pipe
                // that the reader has not taken yet, so its death alone decides nothing.
                if (left <= 0 || outputEnded && seen == lines.size()) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }
        throw new AssertionError("node " + name + " printed no line matching '" + pattern + "' within " + timeout.toMillis() + " ms"
                + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")") + ". Its output:\n" + output());
    }

    /** Everything the process printed so far. */
    public String output() throws IOException {
        return Files.readString(log);
    }

    /** Kills the process at once, as a crash would: it acknowledges, commits and withdraws nothing more. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // Already gone.
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            kill();
        }
    }

    private static void requireTool(String tool) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
        } catch (IOException e) {
            // Not on the PATH: reported below.
        }
        throw new AssertionError("This test needs '" + tool + "' (Node.js 20 or newer with npm) on the PATH to run its Node.js agent. "
                + "Install it, e.g. 'apt-get install nodejs npm' or from https://nodejs.org, and run the tests again.");
    }

    private static void npmCi(Path dir) throws IOException, InterruptedException {
        File log = Files.createTempFile("npm-ci-", ".log").toFile();
        Process p = new ProcessBuilder(List.of("npm", "ci", "--no-audit", "--no-fund")).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log).start();
        if (!p.waitFor(NPM_CI_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("'npm ci' in " + dir + " did not finish within " + NPM_CI_TIMEOUT_SECONDS + " s. Its output:\n"
                    + Files.readString(log.toPath()));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("'npm ci' in " + dir + " failed (exit " + p.exitValue() + "); the npm registry must be reachable "
                    + "to install the packages of its package-lock.json. Its output:\n" + Files.readString(log.toPath()));
        }
    }
}
