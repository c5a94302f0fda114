package io.agentorchestrator.core.internal.resilience;

import io.agentorchestrator.core.OutlierDetectionConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Passive outlier detection for one agent: counts failures in a row and over a window of recent
 * calls, and holds the agent's ejection. Whether an ejection may happen (the cap on the share of
 * a capability's agents ejected at once) is the engine's decision; see
 * {@link OutlierDetectionConfig}.
 *
 * <p>Recording is lock-free; ejecting and reinstating are rare and synchronised on this object.
 */
public final class OutlierDetector {

    private final OutlierDetectionConfig config;
    private final long baseNanos;
    private final long maxNanos;
    private final AtomicInteger consecutive = new AtomicInteger();
    private final OutcomeWindow window;
    private volatile boolean ejected;
    private volatile long ejectedUntilNanos;
    private int ejections;

    /** A detector that has seen nothing yet. */
    public OutlierDetector(OutlierDetectionConfig config) {
        this.config = config;
        this.baseNanos = config.baseEjectionTime().toNanos();
        this.maxNanos = config.maxEjectionTime().toNanos();
        this.window = config.failureRateThreshold() > 0 ? new OutcomeWindow(config.failureRateWindow()) : null;
    }

    /** Whether the agent is out of rotation at {@code nowNanos}. */
    public boolean isEjected(long nowNanos) {
        return ejected && nowNanos - ejectedUntilNanos < 0;
    }

    /** Whether the agent is marked ejected, its time being up or not (the sweep reinstates it). */
    public boolean markedEjected() {
        return ejected;
    }

    /**
     * Records one call's outcome.
     *
     * @return why the agent should be ejected now, or {@code null}
     */
    public String onResult(boolean failed) {
        if (window != null) {
            window.record(failed, false);
        }
        if (!failed) {
            consecutive.set(0);
            return null;
        }
        int inARow = consecutive.incrementAndGet();
        if (config.consecutiveFailures() > 0 && inARow >= config.consecutiveFailures()) {
            return inARow + " consecutive failures";
        }
        if (window != null) {
            int calls = window.calls();
            int failures = window.failures();
            if (calls >= config.minimumCalls() && failures >= config.failureRateThreshold() * calls) {
                return failures + " of the last " + calls + " calls failed";
            }
        }
        return null;
    }

    /**
     * Ejects the agent: for the base time times the number of recent ejections, at most the max.
     * An ejection count is forgotten once the agent has been back for longer than the max time.
     *
     * @return how long the ejection lasts and its number, or {@code null} when it is already ejected
     */
    public synchronized Ejection eject(long nowNanos) {
        if (isEjected(nowNanos)) {
            return null;
        }
        if (ejections > 0 && nowNanos - ejectedUntilNanos > maxNanos) {
            ejections = 0;
        }
        ejections++;
        long duration = Math.min(maxNanos, baseNanos * ejections);
        if (duration < 0) {
            duration = maxNanos;
        }
        ejectedUntilNanos = nowNanos + duration;
        ejected = true;
        consecutive.set(0);
        if (window != null) {
            window.reset();
        }
        return new Ejection(ejections, Duration.ofNanos(duration));
    }

    /**
     * Puts the agent back: when {@code force} (a health check passed) or when its time is up.
     *
     * @return whether it was ejected and is now back
     */
    public synchronized boolean reinstate(long nowNanos, boolean force) {
        if (!ejected || (!force && nowNanos - ejectedUntilNanos < 0)) {
            return false;
        }
        ejected = false;
        if (force) {
            ejectedUntilNanos = nowNanos;
        }
        return true;
    }

    /** Times ejected recently. */
    public synchronized int ejections() {
        return ejections;
    }

    /** One ejection: its number among recent ones and its length. */
    public record Ejection(int number, Duration duration) {
    }
}
