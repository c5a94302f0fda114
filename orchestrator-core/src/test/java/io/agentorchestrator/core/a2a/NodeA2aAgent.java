package io.agentorchestrator.core.a2a;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The test agent of {@code orchestrator-examples/a2a-agent} (built with the official
 * {@code @a2a-js/sdk}) as a child process on a free loopback port. Installs its packages with
 * {@code npm ci} when {@code node_modules} is missing; fails with a message saying what to install
 * when node or npm is absent.
 */
final class NodeA2aAgent implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("A2A agent listening on (\\d+)");
    private static final long NPM_CI_TIMEOUT_SECONDS = 300;
    private static final long START_TIMEOUT_SECONDS = 30;

    private final Process process;
    private final int port;

    private NodeA2aAgent(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the agent; returns once it listens. */
    static NodeA2aAgent start() throws IOException, InterruptedException {
        Path dir = agentDirectory();
        requireTool("node");
        requireTool("npm");
        if (!Files.isDirectory(dir.resolve("node_modules/@a2a-js/sdk")) || !Files.isDirectory(dir.resolve("node_modules/express"))) {
            npmCi(dir);
        }
        Path log = Files.createTempFile("a2a-agent-", ".log");
        Process p = new ProcessBuilder("node", "agent.mjs", "0").directory(dir.toFile()).redirectErrorStream(true).start();
        BlockingQueue<Object> port = new ArrayBlockingQueue<>(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                boolean found = false;
                while ((line = in.readLine()) != null) {
                    Files.writeString(log, line + System.lineSeparator(), java.nio.file.StandardOpenOption.APPEND);
                    Matcher m = LISTENING.matcher(line);
                    if (!found && m.find()) {
                        found = true;
                        port.offer(Integer.parseInt(m.group(1)));
                    }
                }
                if (!found) {
                    port.offer("the agent exited before listening");
                }
            } catch (IOException e) {
                port.offer("reading its output failed: " + e);
            }
        }, "a2a-test-agent-output");
        reader.setDaemon(true);
        reader.start();
        Object got = port.poll(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!(got instanceof Integer)) {
            p.destroyForcibly();
            throw new AssertionError("The A2A test agent (node agent.mjs in " + dir + ") did not start within " + START_TIMEOUT_SECONDS
                    + " s: " + (got == null ? "no 'listening' line" : got) + ". Its output:\n" + Files.readString(log));
        }
        return new NodeA2aAgent(p, (Integer) got);
    }

    /** The agent's base URL, where its card is served under the well-known path. */
    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The agent's JSON-RPC URL. */
    String rpcUrl() {
        return baseUrl() + "/a2a/jsonrpc";
    }

    @Override
    public void close() throws InterruptedException {
        // Closing its stdin stops it cleanly; the forced kill is for an agent that hangs.
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // Already gone.
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static Path agentDirectory() {
        Path dir = Path.of(System.getProperty("user.dir")).resolve("../orchestrator-examples/a2a-agent").normalize();
        if (!Files.isRegularFile(dir.resolve("agent.mjs")) || !Files.isRegularFile(dir.resolve("package-lock.json"))) {
            throw new AssertionError("The A2A test agent is missing: expected agent.mjs and package-lock.json in " + dir
                    + " (run the tests from the orchestrator-core module directory, as Maven does)");
        }
        return dir;
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
        throw new AssertionError("The A2A interop test needs '" + tool + "' (Node.js 20 or newer with npm) on the PATH to run the "
                + "@a2a-js/sdk test agent. Install it, e.g. 'apt-get install nodejs npm' or from https://nodejs.org, and run the tests again.");
    }

    private static void npmCi(Path dir) throws IOException, InterruptedException {
        File log = Files.createTempFile("a2a-agent-npm-ci-", ".log").toFile();
        Process p = new ProcessBuilder(List.of("npm", "ci", "--no-audit", "--no-fund")).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log).start();
        if (!p.waitFor(NPM_CI_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("'npm ci' in " + dir + " did not finish within " + NPM_CI_TIMEOUT_SECONDS + " s. Its output:\n"
                    + Files.readString(log.toPath()));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("'npm ci' in " + dir + " failed (exit " + p.exitValue() + "); the npm registry must be reachable "
                    + "to install @a2a-js/sdk. Its output:\n" + Files.readString(log.toPath()));
        }
    }
}
