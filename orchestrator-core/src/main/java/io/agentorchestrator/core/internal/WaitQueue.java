package io.agentorchestrator.core.internal;

import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tasks of one capability waiting for an agent with a free slot, highest priority first. Only
 * used when every eligible agent is at its max concurrency, so it is off the common path.
 *
 * <p>{@link #wip} serialises draining without a lock: whoever raises it from zero drains, and
 * anyone who raises it meanwhile makes that drainer go round once more, so a freed slot is never
 * missed.
 */
final class WaitQueue {

    private final PriorityBlockingQueue<TaskExecution> tasks = new PriorityBlockingQueue<>(64, TaskExecution::compareForQueue);
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;
    final AtomicInteger wip = new AtomicInteger();
    /** Whether a drain is already scheduled for when a rate-limit token comes back, so only one is. */
    final java.util.concurrent.atomic.AtomicBoolean wakeScheduled = new java.util.concurrent.atomic.AtomicBoolean();

    WaitQueue(int capacity) {
        this.capacity = capacity;
    }

    /** Adds a new waiting task unless the queue is full. */
    boolean offer(TaskExecution task) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return false;
        }
        tasks.offer(task);
        return true;
    }

    /** Puts back a task that was taken but could not be placed; not subject to the capacity. */
    void putBack(TaskExecution task) {
        size.incrementAndGet();
        tasks.offer(task);
    }

    TaskExecution poll() {
        TaskExecution t = tasks.poll();
        if (t != null) {
            size.decrementAndGet();
        }
        return t;
    }

    boolean isEmpty() {
        return size.get() == 0;
    }

    int size() {
        return size.get();
    }

    int capacity() {
        return capacity;
    }
}
