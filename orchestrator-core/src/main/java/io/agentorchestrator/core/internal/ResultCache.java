package io.agentorchestrator.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.core.ResultCacheConfig;
import io.agentorchestrator.core.ResultCacheStats;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Results of cacheable tasks, in a Caffeine cache keyed by capability and cache key, plus the
 * dispatches still running by the same key: a task identical to one still running joins that
 * dispatch instead of starting another (request coalescing).
 *
 * <p>A dispatch's outcome is booked before anyone waiting on it sees it: a result is in the cache
 * (its TTL counted from then) and a failure has left the running map, so a caller that reacts to
 * the answer by asking again gets the cached result, or a fresh dispatch after a failure, never a
 * stale one. Failures are never cached.
 */
final class ResultCache {

    /** What a result is cached under: its capability and an explicit key, or {@code sha256:<hex>} of the payload. */
    record Key(String capability, String key) {
    }

    private final Cache<Key, TaskResult> results;
    private final ConcurrentHashMap<Key, CompletableFuture<TaskResult>> running = new ConcurrentHashMap<>();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    ResultCache(ResultCacheConfig config, Ticker ticker) {
        this.results = Caffeine.newBuilder()
                .expireAfterWrite(config.ttl())
                .maximumSize(config.maxSize())
                .ticker(ticker::read)
                // Maintenance on the calling thread: no work leaks onto the common pool.
                .executor(Runnable::run)
                .recordStats()
                .build();
    }

    /**
     * The task's result from the cache, from an identical dispatch in progress, or from a new
     * dispatch by {@code dispatch}. Each caller gets a future of its own, with its own task id in
     * the result: cancelling it cancels nobody else's.
     */
    CompletableFuture<TaskResult> get(Task task, Function<Task, CompletableFuture<TaskResult>> dispatch) {
        Key key = keyOf(task);
        TaskResult cached = results.asMap().get(key);
        if (cached != null) {
            hits.increment();
            return CompletableFuture.completedFuture(forCaller(cached, task));
        }
        CompletableFuture<TaskResult> mine = new CompletableFuture<>();
        CompletableFuture<TaskResult> joined = running.putIfAbsent(key, mine);
        if (joined != null) {
            hits.increment();
            return joined.thenApply(r -> forCaller(r, task));
        }
        misses.increment();
        CompletableFuture<TaskResult> sent;
        try {
            sent = dispatch.apply(task);
        } catch (RuntimeException e) {
            running.remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
        sent.whenComplete((r, e) -> {
            if (e == null) {
                results.put(key, r);
            }
            running.remove(key, mine);
            if (e == null) {
                mine.complete(r);
            } else {
                mine.completeExceptionally(e);
            }
        });
        return mine.thenApply(r -> forCaller(r, task));
    }

    private static TaskResult forCaller(TaskResult r, Task task) {
        return r.taskId().equals(task.id()) ? r
                : new TaskResult(task.id(), r.capability(), r.agentId(), r.payload(), r.attempts(), r.latency());
    }

    /** The counts, after pending evictions are done. */
    ResultCacheStats stats() {
        results.cleanUp();
        return new ResultCacheStats(hits.sum(), misses.sum(), results.stats().evictionCount(), results.estimatedSize());
    }

    static Key keyOf(Task task) {
        return new Key(task.capability(), task.cacheKey().orElseGet(() -> "sha256:" + sha256(task.payload().asReadOnlyBuffer())));
    }

    private static String sha256(ByteBuffer bytes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
