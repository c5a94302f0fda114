package io.agentorchestrator.redis;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** Takes work off a queue a batch at a time: what the sender and the reply committer each do in their loop. */
final class Batches {

    private Batches() {
    }

    /**
     * Clears {@code batch}, waits up to {@code waitMillis} for a first element, then adds up to
     * {@code max - 1} more that are already queued. Returns whether the batch holds anything.
     */
    static <T> boolean take(BlockingQueue<T> queue, List<T> batch, int max, long waitMillis) throws InterruptedException {
        batch.clear();
        T first = queue.poll(waitMillis, TimeUnit.MILLISECONDS);
        if (first == null) {
            return false;
        }
        batch.add(first);
        queue.drainTo(batch, max - 1);
        return true;
    }
}
