package io.agentorchestrator.core;

/**
 * Counts of the result cache since the orchestrator started, for metrics and dashboards.
 *
 * @param hits      cacheable tasks answered from the cache, or by joining an identical task's dispatch
 * @param misses    cacheable tasks that were dispatched
 * @param evictions results dropped because they expired or the cache was full
 * @param size      results held now (approximate)
 */
public record ResultCacheStats(long hits, long misses, long evictions, long size) {

    /** The counts of an orchestrator without a cache. */
    public static final ResultCacheStats NONE = new ResultCacheStats(0, 0, 0, 0);

    /** Hits per cacheable task, 0 to 1; 0 before the first. */
    public double hitRatio() {
        long total = hits + misses;
        return total == 0 ? 0 : (double) hits / total;
    }
}
