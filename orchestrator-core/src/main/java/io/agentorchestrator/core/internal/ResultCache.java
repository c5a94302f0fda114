package io.agentorchestrator.core.internal;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
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
import java.util.function.Function;

/**
 * Results of cacheable tasks, in a Caffeine async cache keyed by capability and cache key. The
 * cache holds the future of the dispatch, not only its result: a task identical to one still
 * running joins that dispatch instead of starting another (request coalescing). A future that
 * fails is dropped by Caffeine, so failures are never served.
 */
final class ResultCache {

    /** What a result is cached under: its capability and an explicit key, or {@code sha256:<hex>} of the payload. */
    record Key(String capability, String key) {
    }

    private final AsyncCache<Key, TaskResult> cache;

    ResultCache(ResultCacheConfig config, Ticker ticker) {
        this.cache = Caffeine.newBuilder()
                .expireAfterWrite(config.ttl())
                .maximumSize(config.maxSize())
                .ticker(ticker::read)
                // Maintenance on the calling thread: no work leaks onto the common pool, and tests see evictions at once.
                .executor(Runnable::run)
                .recordStats()
                .buildAsync();
    }

    /**
     * The task's result from the cache, from an identical dispatch in progress, or from a new
     * dispatch by {@code dispatch}. Each caller gets a future of its own, with its own task id in
     * the result: cancelling it cancels nobody else's.
     */
    CompletableFuture<TaskResult> get(Task task, Function<Task, CompletableFuture<TaskResult>> dispatch) {
        CompletableFuture<TaskResult> shared = cache.get(keyOf(task), (k, executor) -> dispatch.apply(task));
        return shared.thenApply(r -> r.taskId().equals(task.id()) ? r
                : new TaskResult(task.id(), r.capability(), r.agentId(), r.payload(), r.attempts(), r.latency()));
    }

    /** The counts, after pending evictions are done: a write's maintenance may still be queued on another thread. */
    ResultCacheStats stats() {
        cache.synchronous().cleanUp();
        CacheStats s = cache.synchronous().stats();
        return new ResultCacheStats(s.hitCount(), s.missCount(), s.evictionCount(), cache.synchronous().estimatedSize());
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
