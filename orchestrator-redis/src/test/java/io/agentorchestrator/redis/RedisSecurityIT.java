package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.kit.SecurityCompatibilityKit;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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
        Orchestrator orchestrator = orchestrator(orchestratorSecurity);
        String capability = "sec-raw-" + UUID.randomUUID().toString().substring(0, 8);
        AgentDescriptor d = agent("raw", capability);
        orchestrator.register(d);
        String secret = "route via the secret depot " + UUID.randomUUID();
        CompletableFuture<TaskResult> result = orchestrator.dispatch(Task.of(capability, secret));

        String stream = PREFIX + ":agent:" + d.id() + ":p" + Task.DEFAULT_PRIORITY;
        try (RedisClient redis = TestRedis.client()) {
            Awaitility.await().atMost(PATIENCE).until(() -> !redis.xrange(stream, "-", "+").isEmpty());
            List<StreamEntry> entries = redis.xrange(stream, "-", "+");
            assertThat(entries).hasSize(1);
            StreamEntry entry = entries.get(0);
            String raw = entry.getFields().toString();
            assertThat(raw).doesNotContain(secret)
                    .doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
            ObjectNode task = (ObjectNode) JSON.readTree(entry.getFields().get(WireCodec.TASK_FIELD));
            byte[] stored = Base64.getDecoder().decode(task.get("payload").asText());
            // AES-GCM: the same length as the text plus a 16-byte tag, and none of its bytes in clear.
            assertThat(stored).hasSize(secret.getBytes(StandardCharsets.UTF_8).length + 16);
            assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(secret.substring(0, 12));

            stored[stored.length / 2] ^= 1;
            task.put("payload", Base64.getEncoder().encodeToString(stored));
            redis.xdel(stream, entry.getID());
            redis.xadd(stream, StreamEntryID.NEW_ENTRY, Map.of(WireCodec.TASK_FIELD, JSON.writeValueAsString(task)));
        }
        AtomicInteger handled = new AtomicInteger();
        io.agentorchestrator.core.security.SecurityConfig agentSide = honestAgent();
        startAgent(d, agentSide, t -> {
            handled.incrementAndGet();
            return Payload.ofUtf8("handled");
        }, false);

        assertThatThrownBy(() -> await(result)).isInstanceOf(TaskFailedException.class).hasMessageContaining("refused task");
        assertThat(handled.get()).isZero();
        assertThat(agentSide.stats().rejectedTotal()).isEqualTo(1);
    }
}
