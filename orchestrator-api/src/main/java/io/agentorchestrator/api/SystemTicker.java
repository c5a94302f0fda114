package io.agentorchestrator.api;

/**
 * The one {@link Ticker#system()}: a single instance, so that code can tell the real ticker from a
 * test's fake one by identity and take shortcuts that only hold for {@link System#nanoTime()}.
 */
final class SystemTicker implements Ticker {

    static final SystemTicker INSTANCE = new SystemTicker();

    private SystemTicker() {
    }

    @Override
    public long read() {
        return System.nanoTime();
    }

    @Override
    public String toString() {
        return "Ticker.system()";
    }
}
