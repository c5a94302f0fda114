package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One dispatched task on its way through attempts, waiting and retries. Its future completes
 * exactly once; whichever of result, failure, timeout or close comes first wins.
 *
 * <p>Attempts usually happen one after another, each started from the completion of the previous
 * one; a hedged task may have two in flight, so starting an attempt is synchronised. The fields
 * are volatile because the timer thread reads them.
 */
final class TaskExecution {

    final Task task;
    final Future future = new Future(this);
    final long startNanos;
    final long deadlineNanos;
    final long timeoutNanos;
    final long deadlineEpochMillis;
    final long sequence;
    /** Preferred zone, or null. */
    final String zone;

    /** The agent of each attempt, by attempt number - 1; null for one the agent refused as busy. Grows under the lock. */
    private volatile String[] tried;
    volatile int attempts;
    /** Attempts an agent refused as busy before running them: they count against no limit. */
    volatile int refusedBusy;
    /** The agent holding the current attempt, or null while waiting for one. */
    volatile AgentState current;
    /**
     * The first attempt's reply, until the task ends and takes it to cancel it if still running;
     * most tasks make one attempt, so the others' replies go to {@link #moreReplies}, made on
     * demand.
     */
    private volatile CompletableFuture<ResultEnvelope> firstReply;
    private volatile java.util.Queue<CompletableFuture<ResultEnvelope>> moreReplies;
    /** Attempts sent whose reply has not been handled yet. */
    final java.util.concurrent.atomic.AtomicInteger attemptsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** Its place among the engine's running tasks; set before anything can end it. */
    PendingSet.Entry<TaskExecution> running;
    volatile ScheduledFuture<?> timeoutHandle;
    /** When {@link TimeoutScheduler} stamped it ({@link System#nanoTime()}), until it gets a scheduler entry; 0 otherwise. */
    volatile long armedAt;
    /** The timeout it was armed with, for {@link TimeoutScheduler}. */
    volatile long armedTimeoutNanos;
    volatile OrchestratorException lastError;
    /** The task's trace when tracing is on, else null; set before the first attempt. */
    volatile Object trace;
    /** Set by the timer just before the task fails with a timeout, so the cut-short attempt counts against its agent. */
    volatile boolean timedOut;

    TaskExecution(Task task, long startNanos, long timeoutNanos, long deadlineEpochMillis, long sequence, int maxAttempts, String zone) {
        this.zone = zone;
        this.task = task;
        this.startNanos = startNanos;
        this.timeoutNanos = timeoutNanos;
        this.deadlineNanos = startNanos + timeoutNanos;
        this.deadlineEpochMillis = deadlineEpochMillis;
        this.sequence = sequence;
        // One more than the attempts allowed: a hedge racing with a retry may start one extra.
        this.tried = new String[maxAttempts + 1];
    }

    boolean tried(String agentId) {
        String[] t = tried;
        int n = Math.min(attempts, t.length);
        for (int i = 0; i < n; i++) {
            if (agentId.equals(t[i])) {
                return true;
            }
        }
        return false;
    }

    /** Attempts that ran (or may have): those sent, less those refused as busy. What the attempt limit counts. */
    int countedAttempts() {
        return attempts - refusedBusy;
    }

    /**
     * Records that attempt {@code attempt} was refused as busy before it ran: its agent may be
     * tried again, and it counts against no limit. Its number is not reused (an agent's dedupe
     * memory knows it), so the next send is the next attempt.
     */
    synchronized void refusedBusy(int attempt) {
        tried[attempt - 1] = null;
        refusedBusy++;
    }

    private static final java.lang.invoke.VarHandle FIRST_REPLY;
    private static final java.lang.invoke.VarHandle MORE_REPLIES;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            FIRST_REPLY = lookup.findVarHandle(TaskExecution.class, "firstReply", CompletableFuture.class);
            MORE_REPLIES = lookup.findVarHandle(TaskExecution.class, "moreReplies", java.util.Queue.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Keeps an attempt's reply, for {@link #pollReply()} to cancel when the task ends. */
    void addReply(CompletableFuture<ResultEnvelope> reply) {
        if (firstReply == null && FIRST_REPLY.compareAndSet(this, null, reply)) {
            return;
        }
        java.util.Queue<CompletableFuture<ResultEnvelope>> more = moreReplies;
        if (more == null) {
            MORE_REPLIES.compareAndSet(this, null, new java.util.concurrent.ConcurrentLinkedQueue<CompletableFuture<ResultEnvelope>>());
            more = moreReplies;
        }
        more.add(reply);
    }

    /**
     * Takes one kept reply, or null when none is left. The first slot is never refilled once
     * taken (a later reply goes to the queue), so a reply added after the task ended is either
     * taken here or cancelled by its sender, which checks the task's future after adding.
     */
    @SuppressWarnings("unchecked")
    CompletableFuture<ResultEnvelope> pollReply() {
        CompletableFuture<ResultEnvelope> first = firstReply;
        if (first != null && first != TAKEN) {
            first = (CompletableFuture<ResultEnvelope>) FIRST_REPLY.getAndSet(this, TAKEN);
            if (first != TAKEN) {
                return first;
            }
        }
        java.util.Queue<CompletableFuture<ResultEnvelope>> more = moreReplies;
        return more == null ? null : more.poll();
    }

    /** Marks the first slot as emptied by {@link #pollReply()}. */
    private static final CompletableFuture<ResultEnvelope> TAKEN = new CompletableFuture<>();

    /** Records the start of an attempt on {@code agent} and returns its number (1-based). */
    synchronized int beginAttempt(AgentState agent) {
        int n = attempts;
        if (n == tried.length) {
            // Only busy refusals take a task past its attempt limit; they stop at its deadline.
            tried = java.util.Arrays.copyOf(tried, n * 2);
        }
        tried[n] = agent.id();
        current = agent;
        attempts = n + 1;
        return n + 1;
    }

    /** From the dispatch sequence, unique per orchestrator: cheaper than a first identity hash, for hashed collections of tasks. */
    @Override
    public int hashCode() {
        return Long.hashCode(sequence * 0x9E3779B97F4A7C15L);
    }

    /** Identity, as for any object: one execution per dispatch. */
    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    /** What the engine does once a task's future completed, however it completed. */
    @FunctionalInterface
    interface Ending {
        void ended(TaskExecution task, TaskResult result, Throwable error);
    }

    /**
     * The task's future. Once it completes, by whatever means (the engine, or the caller completing
     * or cancelling the future it was given), it runs the engine's {@link Ending} exactly once,
     * after the callers' own dependents: what a {@code whenComplete} registered at dispatch would
     * do, without the dependent stage, its completion object and its lambda for every task.
     */
    static final class Future extends CompletableFuture<TaskResult> {
        private static final java.lang.invoke.VarHandle ENDED;

        static {
            try {
                ENDED = java.lang.invoke.MethodHandles.lookup().findVarHandle(Future.class, "ended", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final TaskExecution task;
        /** Set once the task is running, before anything else can complete the future. */
        private Ending ending;
        private volatile boolean ended;

        private Future(TaskExecution task) {
            this.task = task;
        }

        void onEnd(Ending ending) {
            this.ending = ending;
        }

        private void end(TaskResult result, Throwable error) {
            Ending e = ending;
            if (e != null && !ended && ENDED.compareAndSet(this, false, true)) {
                e.ended(task, result, error);
            }
        }

        /**
         * Whether the task is over: completed, or its end claimed by a completion that is still
         * cleaning up. The engine asks this rather than {@link #isDone()}, so an attempt cancelled
         * by that clean-up is not taken for a failure of its agent.
         */
        boolean isEnded() {
            return ended || isDone();
        }

        /**
         * Claims the end, cleans up, then completes: whoever waits on the future wakes to a task
         * already cleaned up (its other attempts cancelled, no longer in flight). Of racing
         * completions only the one that claims the end completes the future.
         */
        @Override
        public boolean complete(TaskResult value) {
            Ending e = ending;
            if (e == null) {
                return super.complete(value);
            }
            if (isDone() || !ENDED.compareAndSet(this, false, true)) {
                return false;
            }
            e.ended(task, value, null);
            return super.complete(value);
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            Ending e = ending;
            if (e == null) {
                return super.completeExceptionally(ex);
            }
            if (isDone() || !ENDED.compareAndSet(this, false, true)) {
                return false;
            }
            e.ended(task, null, ex);
            return super.completeExceptionally(ex);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled && ending != null && !ended) {
                Throwable error = null;
                try {
                    join();
                } catch (java.util.concurrent.CancellationException | java.util.concurrent.CompletionException failed) {
                    error = failed;
                }
                end(null, error);
            }
            return cancelled;
        }

        @Override
        public void obtrudeValue(TaskResult value) {
            super.obtrudeValue(value);
            end(value, null);
        }

        @Override
        public void obtrudeException(Throwable ex) {
            super.obtrudeException(ex);
            end(null, ex);
        }

        /** Through {@link #complete} and {@link #completeExceptionally}, which the inherited one bypasses. */
        @Override
        public CompletableFuture<TaskResult> completeAsync(java.util.function.Supplier<? extends TaskResult> supplier,
                java.util.concurrent.Executor executor) {
            if (supplier == null || executor == null) {
                throw new NullPointerException();
            }
            executor.execute(() -> {
                if (!isDone()) {
                    try {
                        complete(supplier.get());
                    } catch (Throwable t) {
                        completeExceptionally(t);
                    }
                }
            });
            return this;
        }
    }

    /** Orders waiting tasks: higher priority first, then first come first served. */
    static int compareForQueue(TaskExecution a, TaskExecution b) {
        int byPriority = Integer.compare(b.task.priority(), a.task.priority());
        return byPriority != 0 ? byPriority : Long.compare(a.sequence, b.sequence);
    }
}
