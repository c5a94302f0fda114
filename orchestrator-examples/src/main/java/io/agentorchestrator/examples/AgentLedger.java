package io.agentorchestrator.examples;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.Ticker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps the books of a run from the orchestrator's event stream: per agent, the tasks it completed,
 * the attempts that failed on it, and the latency of each successful attempt (from the attempt's
 * {@code TaskDispatched} to its {@code TaskCompleted}, so it is the agent's own service time, not
 * the time the task waited for a free agent). Also the end-to-end latency of every task as its
 * caller saw it, and how many tasks ended either way.
 *
 * <p>Called on orchestrator, transport and agent threads at once: everything is concurrent, and
 * each event costs a map operation or two, as a listener must be fast.
 */
final class AgentLedger implements OrchestratorListener {

    /** What the ledger knows about one agent. */
    static final class AgentBook {
        private final LongAdder completed = new LongAdder();
        private final LongAdder failures = new LongAdder();
        private final List<Long> latencies = new ArrayList<>();

        private synchronized void recordLatency(long nanos) {
            latencies.add(nanos);
        }

        /** Tasks this agent completed. */
        long completed() {
            return completed.sum();
        }

        /** Attempts that failed on this agent (the task was retried elsewhere or failed). */
        long failures() {
            return failures.sum();
        }

        /** Its attempt latencies in nanoseconds, sorted ascending. */
        synchronized long[] sortedLatencies() {
            long[] sorted = latencies.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(sorted);
            return sorted;
        }
    }

    private final Ticker ticker;
    private final Map<String, AgentBook> books = new ConcurrentHashMap<>();
    /** Start of each attempt, by "taskId#attempt". */
    private final Map<String, Long> attemptStarts = new ConcurrentHashMap<>();
    private final List<Long> endToEnd = new ArrayList<>();
    private final AtomicLong completedTasks = new AtomicLong();
    private final AtomicLong failedTasks = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final CountDownLatch ended;

    /**
     * @param ticker        measures attempt latencies
     * @param expectedTasks how many tasks will end, for {@link #awaitEnded}
     */
    AgentLedger(Ticker ticker, int expectedTasks) {
        this.ticker = ticker;
        this.ended = new CountDownLatch(expectedTasks);
    }

    @Override
    public void onEvent(OrchestratorEvent event) {
        if (event instanceof OrchestratorEvent.TaskDispatched e) {
            attemptStarts.put(attemptKey(e.taskId(), e.attempt()), ticker.read());
        } else if (event instanceof OrchestratorEvent.TaskCompleted e) {
            Long start = attemptStarts.remove(attemptKey(e.taskId(), e.attempts()));
            AgentBook book = book(e.agentId());
            book.completed.increment();
            if (start != null) {
                book.recordLatency(ticker.read() - start);
            }
            synchronized (endToEnd) {
                endToEnd.add(e.latency().toNanos());
            }
            completedTasks.incrementAndGet();
            ended.countDown();
        } else if (event instanceof OrchestratorEvent.TaskRetried e) {
            attemptStarts.remove(attemptKey(e.taskId(), e.failedAttempt()));
            book(e.failedAgentId()).failures.increment();
            retries.incrementAndGet();
        } else if (event instanceof OrchestratorEvent.TaskFailed e) {
            attemptStarts.remove(attemptKey(e.taskId(), e.attempts()));
            if (e.agentId() != null) {
                book(e.agentId()).failures.increment();
            }
            failedTasks.incrementAndGet();
            ended.countDown();
        }
    }

    /** The book of {@code agentId}; an empty one if nothing happened to it. */
    AgentBook book(String agentId) {
        return books.computeIfAbsent(agentId, id -> new AgentBook());
    }

    /** Tasks the event stream reported completed. */
    long completedTasks() {
        return completedTasks.get();
    }

    /** Tasks the event stream reported failed. */
    long failedTasks() {
        return failedTasks.get();
    }

    /** Attempts that failed and were retried on another agent. */
    long retries() {
        return retries.get();
    }

    /** End-to-end task latencies in nanoseconds (dispatch to result, waiting included), sorted. */
    long[] sortedEndToEndLatencies() {
        synchronized (endToEnd) {
            long[] sorted = endToEnd.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(sorted);
            return sorted;
        }
    }

    /**
     * Waits until every expected task's final event was seen. A task's future completes just
     * before its event is emitted, so the last events may trail the last future by a moment.
     *
     * @return whether they were all seen in time
     */
    boolean awaitEnded(long timeout, TimeUnit unit) throws InterruptedException {
        return ended.await(timeout, unit);
    }

    /** The {@code q}-quantile (0 to 1, nearest rank) of sorted values, or -1 when there are none. */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static String attemptKey(String taskId, int attempt) {
        return taskId + "#" + attempt;
    }
}
