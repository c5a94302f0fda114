package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.SecurityCompatibilityKit;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The security kit against a real Redis, and what Redis itself holds of a secured task: the
 * stream entry carries ciphertext only, and an entry with one bit flipped is refused by the agent.
 */
class RedisSecurityIT extends SecurityCompatibilityKit {

    private static final String PREFIX = TestRedis.uniquePrefix("sec");

    @Override
    protected Transport newTransport() {
        return new RedisTransportProvider().create(TestRedis.uri("prefix=" + PREFIX + "&claimIdle=1s"));
    }

    @Override
    protected String endpoint(String agentId) {
        return "redis:" + agentId;
    }

    @AfterAll
    static void deleteKeys() {
        TestRedis.deleteKeys(PREFIX);
    }

    @Test
    void theStreamEntryHoldsOnlyCiphertextAndAFlippedBitIsNeverHandled() throws Exception {
        assertBrokerHoldsOnlyCiphertextAndAFlippedBitIsNeverHandled(agent -> {
            String stream = PREFIX + ":agent:" + agent.id() + ":p" + Task.DEFAULT_PRIORITY;
            try (RedisClient redis = TestRedis.client()) {
                Awaitility.await().atMost(PATIENCE).until(() -> !redis.xrange(stream, "-", "+").isEmpty());
                List<StreamEntry> entries = redis.xrange(stream, "-", "+");
                assertThat(entries).hasSize(1);
                StreamEntry entry = entries.get(0);
                return new StoredTask() {
                    @Override
                    public String raw() {
                        return entry.getFields().toString();
                    }

                    @Override
                    public byte[] json() {
                        return entry.getFields().get(WireCodec.TASK_FIELD).getBytes(StandardCharsets.UTF_8);
                    }

                    @Override
                    public void putBack(byte[] json) {
                        try (RedisClient again = TestRedis.client()) {
                            again.xdel(stream, entry.getID());
                            again.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of(WireCodec.TASK_FIELD, new String(json, StandardCharsets.UTF_8)));
                        }
                    }
                };
            }
        });
    }
}
