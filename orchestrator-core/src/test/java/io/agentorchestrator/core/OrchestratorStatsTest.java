package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.kit.TestSecurity;
import io.agentorchestrator.core.stats.WindowStats;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link Orchestrator#stats()} counts the engine's own task and attempt outcomes on its ticker. */
class OrchestratorStatsTest {

    @Test
    void statsCountTasksPerCapabilityAndAttemptsPerAgent() throws Exception {
        AtomicLong nanos = new AtomicLong();
        ScriptedTransport transport = new ScriptedTransport();
        try (Orchestrator orchestrator = Orchestrator.builder().security(TestSecurity.OFF).transport(transport).ticker(nanos::get).maxAttempts(1).build()) {
            orchestrator.register(ScriptedTransport.agent("a-1", "plan", 4));
            var ok = orchestrator.dispatch(Task.of("plan", "x"));
            ScriptedTransport.Sent first = transport.next();
            nanos.addAndGet(Duration.ofMillis(40).toNanos());
            first.succeed("done");
            ok.get(5, TimeUnit.SECONDS);

            var bad = orchestrator.dispatch(Task.of("plan", "y"));
            ScriptedTransport.Sent second = transport.next();
            second.reply().complete(ResultEnvelope.failure(second.envelope().taskId(), "a-1", "E", "broken", false));
            assertThat(bad).failsWithin(5, TimeUnit.SECONDS);

            WindowStats plan = orchestrator.stats().capabilities().get("plan").oneMinute();
            assertThat(plan.requests()).isEqualTo(2);
            assertThat(plan.errors()).isEqualTo(1);
            assertThat(plan.latencySamples()).isEqualTo(1);
            assertThat(plan.p50().toMillis()).isBetween(38L, 42L);
            WindowStats agent = orchestrator.stats().agents().get("a-1").oneMinute();
            assertThat(agent.requests()).isEqualTo(2);
            assertThat(agent.errors()).isEqualTo(1);
            assertThat(Payload.ofUtf8("done")).isEqualTo(ok.get().payload());
        }
    }
}
