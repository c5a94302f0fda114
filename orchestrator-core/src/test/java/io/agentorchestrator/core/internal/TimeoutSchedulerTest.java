package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.Task;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimeoutSchedulerTest {

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final ConcurrentHashMap<TaskExecution, Long> firedAt = new ConcurrentHashMap<>();
    /** The engine's running tasks: added before being armed, removed when they end. */
    private final Set<TaskExecution> running = ConcurrentHashMap.newKeySet();
    private final TimeoutScheduler timeouts = new TimeoutScheduler(() -> timer, () -> running, ex -> {
        firedAt.put(ex, System.nanoTime());
        ex.future.completeExceptionally(new IllegalStateException("timed out"));
    });
    private final AtomicLong sequence = new AtomicLong();

    TimeoutSchedulerTest() {
        timer.setRemoveOnCancelPolicy(true);
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private TaskExecution task(long timeoutNanos) {
        TaskExecution ex = new TaskExecution(Task.of("cap", "x"), 0, timeoutNanos, 0, sequence.incrementAndGet(), 3, null);
        running.add(ex);
        ex.future.whenComplete((r, e) -> running.remove(ex));
        return ex;
    }

    @Test
    void aTaskLongerThanTheHoldTimesOutNoSoonerThanItsTimeout() {
        long timeout = TimeoutScheduler.DIRECT_NANOS + TimeUnit.MILLISECONDS.toNanos(70);
        TaskExecution ex = task(timeout);
        long armed = System.nanoTime();
        timeouts.arm(ex, timeout);
        await().atMost(Duration.ofSeconds(10)).until(() -> firedAt.containsKey(ex));
        assertThat(firedAt.get(ex) - armed).isGreaterThanOrEqualTo(timeout);
        assertThat((Object) ex.timeoutHandle).as("it got a scheduler entry for the rest of its timeout").isNotNull();
    }

    @Test
    void aShortTimeoutIsScheduledAtOnce() {
        long timeout = TimeoutScheduler.DIRECT_NANOS;
        TaskExecution ex = task(timeout);
        long armed = System.nanoTime();
        timeouts.arm(ex, timeout);
        assertThat((Object) ex.timeoutHandle).isNotNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> firedAt.containsKey(ex));
        assertThat(firedAt.get(ex) - armed).isGreaterThanOrEqualTo(timeout);
    }

    @Test
    void aTaskThatEndsWithinTheHoldNeverGetsASchedulerEntry() {
        TaskExecution done = task(TimeUnit.SECONDS.toNanos(30));
        TaskExecution running = task(TimeUnit.SECONDS.toNanos(30));
        timeouts.arm(done, TimeUnit.SECONDS.toNanos(30));
        timeouts.arm(running, TimeUnit.SECONDS.toNanos(30));
        done.future.complete(null);
        // The tick after the hold gives the running task its entry and drops the finished one.
        await().atMost(Duration.ofSeconds(10)).until(() -> running.timeoutHandle != null);
        assertThat((Object) done.timeoutHandle).isNull();
        // Its entry, and the next tick while a task still runs; nothing for the finished one.
        assertThat(timer.getQueue()).hasSize(2).contains((Runnable) running.timeoutHandle);
        assertThat(firedAt).isEmpty();
    }
}
