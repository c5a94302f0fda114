package io.agentorchestrator.api;

/**
 * A source of monotonic nanoseconds for measuring elapsed time. Injected everywhere time matters
 * (timeouts, latency averages, breakers) so tests advance a fake one instead of waiting.
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds from an arbitrary fixed origin; only differences are meaningful. */
    long read();

    /** The ticker backed by {@link System#nanoTime()}; always the same instance. */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}
