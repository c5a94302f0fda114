package io.agentorchestrator.core.internal;

import java.util.Collection;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Arms the timeout of every dispatched task without a scheduler entry for the tasks that end
 * quickly. A task with a timeout longer than {@link #DIRECT_NANOS} is only stamped when armed;
 * one timer tick every {@link #HOLD_NANOS}, while tasks are running, walks the engine's running
 * tasks and gives those stamped at least one hold ago a scheduler entry for the rest of their
 * timeout. Most tasks of a fast agent end before that, so they cost a time stamp instead of a
 * scheduler insert and remove, each under the scheduler's lock (measured: about a seventh of an
 * in-process dispatch at 64 in flight).
 *
 * <p>Timeouts fire exactly when they would have: a stamped task is given its entry within two
 * holds of being armed, before its deadline, for the time it has left; shorter timeouts are
 * scheduled at once. Ages are wall time ({@link System#nanoTime()}), as the scheduler's are.
 * Thread-safe.
 */
final class TimeoutScheduler {

    /** How often running tasks are looked at, and how long a task runs at least before it gets a scheduler entry. */
    static final long HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Timeouts up to this long are scheduled at once: a tick might otherwise come after them. */
    static final long DIRECT_NANOS = 2 * HOLD_NANOS;

    private final Supplier<ScheduledExecutorService> timer;
    private final Supplier<Collection<TaskExecution>> running;
    private final Consumer<TaskExecution> onTimeout;
    private final AtomicBoolean tickScheduled = new AtomicBoolean();

    /**
     * @param timer     the scheduler, created on first use by its supplier
     * @param running   the engine's running tasks; a task is added before it is armed
     * @param onTimeout fails a task whose timeout passed
     */
    TimeoutScheduler(Supplier<ScheduledExecutorService> timer, Supplier<Collection<TaskExecution>> running,
            Consumer<TaskExecution> onTimeout) {
        this.timer = timer;
        this.running = running;
        this.onTimeout = onTimeout;
    }

    /** Arms the timeout of {@code task}, {@code timeoutNanos} from now. */
    void arm(TaskExecution task, long timeoutNanos) {
        arm(task, timeoutNanos, System.nanoTime());
    }

    /**
     * Arms the timeout of {@code task}, {@code timeoutNanos} from {@code nanoTime}: a
     * {@link System#nanoTime()} reading the caller took just before, which saves this one.
     */
    void arm(TaskExecution task, long timeoutNanos, long nanoTime) {
        if (timeoutNanos <= DIRECT_NANOS) {
            schedule(task, timeoutNanos);
            return;
        }
        task.armedTimeoutNanos = timeoutNanos;
        task.armedAt = nanoTime;
        if (!tickScheduled.get() && tickScheduled.compareAndSet(false, true)) {
            tickIn(HOLD_NANOS);
        }
    }

    private void schedule(TaskExecution task, long delayNanos) {
        ScheduledFuture<?> handle = timer.get().schedule(() -> onTimeout.accept(task), delayNanos, TimeUnit.NANOSECONDS);
        task.timeoutHandle = handle;
        // The task may have ended meanwhile, its clean-up finding no handle to cancel.
        if (task.future.isEnded()) {
            handle.cancel(false);
        }
    }

    private void tickIn(long delayNanos) {
        try {
            timer.get().schedule(this::tick, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // The orchestrator closed: it fails what is still running by itself.
            tickScheduled.set(false);
        }
    }

    /** On the timer thread only. */
    private void tick() {
        long now = System.nanoTime();
        Collection<TaskExecution> tasks = running.get();
        for (TaskExecution task : tasks) {
            long armedAt = task.armedAt;
            if (armedAt == 0 || now - armedAt < HOLD_NANOS || task.future.isEnded()) {
                continue;
            }
            task.armedAt = 0;
            long left = task.armedTimeoutNanos - (now - armedAt);
            if (left <= 0) {
                onTimeout.accept(task);
            } else {
                schedule(task, left);
            }
        }
        tickScheduled.set(false);
        // A task added before the reset above saw a tick scheduled and did not ask for one: keep ticking while any runs.
        if (!tasks.isEmpty() && tickScheduled.compareAndSet(false, true)) {
            tickIn(HOLD_NANOS);
        }
    }
}
