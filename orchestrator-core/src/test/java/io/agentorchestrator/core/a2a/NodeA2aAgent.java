package io.agentorchestrator.core.a2a;

import io.agentorchestrator.core.kit.NodeProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The test agent of {@code orchestrator-examples/a2a-agent} (built with the official
 * {@code @a2a-js/sdk}) as a child process on a free loopback port, started through
 * {@link NodeProcess} (which installs its packages and checks for node and npm).
 */
final class NodeA2aAgent implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("A2A agent listening on (\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final NodeProcess process;
    private final int port;

    private NodeA2aAgent(NodeProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the agent; returns once it listens. */
    static NodeA2aAgent start() throws IOException, InterruptedException {
        NodeProcess p = NodeProcess.start(NodeProcess.examplesDirectory("a2a-agent", "agent.mjs"), List.of("@a2a-js/sdk", "express"),
                Map.of(), "agent.mjs", "0");
        try {
            return new NodeA2aAgent(p, Integer.parseInt(p.awaitLine(LISTENING, START_TIMEOUT).group(1)));
        } catch (AssertionError | IOException | InterruptedException e) {
            p.kill();
            throw e;
        }
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
        process.close();
    }
}
