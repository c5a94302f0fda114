package io.agentorchestrator.redis;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.NodeAgentInteropKit;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/** The Java orchestrator and the Node worker {@code redis-agent.mjs} (ioredis) on a real Redis. */
class RedisNodeInteropIT extends NodeAgentInteropKit {

    private static final String PREFIX = TestRedis.uniquePrefix("node");

    @Override
    protected Transport newTransport() {
        // A short claimIdle on both sides, so that a crashed worker's task is taken over within the test.
        return new RedisTransportProvider().create(TestRedis.uri("prefix=" + PREFIX + "&claimIdle=1s"));
    }

    @Override
    protected String scheme() {
        return "redis";
    }

    @Override
    protected String nodeScript() {
        return "redis-agent.mjs";
    }

    @Override
    protected Map<String, String> nodeEnvironment() {
        return Map.of("AO_BROKER", TestRedis.base(), "AO_PREFIX", PREFIX, "AO_CLAIM_IDLE_MS", "1000");
    }

    @AfterAll
    static void deleteKeys() {
        TestRedis.deleteKeys(PREFIX);
    }
}
