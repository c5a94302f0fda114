package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** One task through a Redis transport pair, without the engine: warms up a test JVM. */
final class RoundTrip {

    private RoundTrip() {
    }

    static void once(URI uri) throws Exception {
        String id = "warm-up-" + UUID.randomUUID().toString().substring(0, 8);
        AgentDescriptor agent = AgentDescriptor.builder(id).capability("warm-up").endpoint("redis:" + id).build();
        try (Transport orchestratorSide = new RedisTransportProvider().create(uri);
                Transport agentSide = new RedisTransportProvider().create(uri);
                Transport.Listener listener = agentSide.listen(agent,
                        (task, reply) -> reply.reply(ResultEnvelope.success(task.taskId(), id, task.payload())))) {
            assertThat(listener).isNotNull();
            TaskEnvelope envelope = TaskEnvelope.of(Task.of("warm-up", "ping"), System.currentTimeMillis() + 30_000, 1, null);
            ResultEnvelope result = orchestratorSide.send(agent, envelope).get(30, TimeUnit.SECONDS);
            assertThat(result.payload()).isEqualTo(Payload.ofUtf8("ping"));
        }
    }
}
