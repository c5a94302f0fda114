package io.agentorchestrator.core.internal.resilience;

/**
 * Allows retries as long as they stay within a share of recent requests, plus a small floor so
 * that a quiet orchestrator can still retry (Finagle's retry budget). Keeps an outage from
 * turning into a retry storm: when most attempts fail, most are not retried.
 */
public final class RetryBudget {

    private static final int BUCKETS = 10;

    private final double ratio;
    private final long floor;
    private final SlidingCounter requests;
    private final SlidingCounter retries;

    /**
     * @param ratio               retries allowed per request in the window, 0 to 1
     * @param minRetriesPerSecond retries always allowed per second of the window
     * @param windowNanos         how far back requests and retries are counted
     */
    public RetryBudget(double ratio, int minRetriesPerSecond, long windowNanos) {
        this.ratio = ratio;
        this.floor = Math.round(minRetriesPerSecond * (windowNanos / 1e9));
        this.requests = new SlidingCounter(windowNanos, BUCKETS);
        this.retries = new SlidingCounter(windowNanos, BUCKETS);
    }

    /** Counts a new request (a task's first attempt). */
    public void onRequest(long nowNanos) {
        requests.increment(nowNanos);
    }

    /** Takes one retry from the budget if there is one left. */
    public boolean tryRetry(long nowNanos) {
        if (retries.sum(nowNanos) >= floor + (long) (ratio * requests.sum(nowNanos))) {
            return false;
        }
        retries.increment(nowNanos);
        return true;
    }

    /** Requests counted in the current window. */
    public long requests(long nowNanos) {
        return requests.sum(nowNanos);
    }

    /** Retries counted in the current window. */
    public long retries(long nowNanos) {
        return retries.sum(nowNanos);
    }
}
