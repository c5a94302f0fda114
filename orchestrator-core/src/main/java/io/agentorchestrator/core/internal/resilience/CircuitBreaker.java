package io.agentorchestrator.core.internal.resilience;

import io.agentorchestrator.api.CircuitState;
import io.agentorchestrator.core.CircuitBreakerConfig;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One agent's circuit breaker; see {@link CircuitBreakerConfig} for the behaviour. Lock-free: the
 * state is one immutable object swapped by compare-and-set, and each half-open period carries its
 * own trial counters, so a late result from an earlier period can never be counted in a later one.
 *
 * <p>A caller that wants to send asks {@link #tryAcquire} for a permit and hands the permit back
 * with the outcome ({@link #onResult}) or unused ({@link #release}).
 */
public final class CircuitBreaker {

    /** Returned by {@link #tryAcquire} when the breaker refuses the call. */
    public static final long DENIED = -1;

    /** Told of every state change, on the thread that caused it. */
    @FunctionalInterface
    public interface Transitions {
        /** The breaker went from {@code previous} to {@code current} because of {@code reason}. */
        void changed(CircuitState previous, CircuitState current, String reason);
    }

    private static final class State {
        final CircuitState state;
        final long sinceNanos;
        final long generation;
        final AtomicInteger trialsLeft;
        final AtomicInteger trialsDone = new AtomicInteger();
        final AtomicInteger trialFailures = new AtomicInteger();
        final AtomicInteger trialSlow = new AtomicInteger();

        State(CircuitState state, long sinceNanos, long generation, int trials) {
            this.state = state;
            this.sinceNanos = sinceNanos;
            this.generation = generation;
            this.trialsLeft = new AtomicInteger(trials);
        }
    }

    private final CircuitBreakerConfig config;
    private final long waitInOpenNanos;
    private final long maxWaitInHalfOpenNanos;
    private final long slowNanos;
    private final OutcomeWindow window;
    private final Transitions transitions;
    private final AtomicReference<State> state;

    /** A closed breaker. */
    public CircuitBreaker(CircuitBreakerConfig config, long nowNanos, Transitions transitions) {
        this.config = config;
        this.waitInOpenNanos = config.waitInOpen().toNanos();
        this.maxWaitInHalfOpenNanos = config.maxWaitInHalfOpen().toNanos();
        this.slowNanos = config.slowCallDuration().toNanos();
        this.window = new OutcomeWindow(config.slidingWindowSize());
        this.transitions = transitions;
        this.state = new AtomicReference<>(new State(CircuitState.CLOSED, nowNanos, 0, 0));
    }

    /** The current state, without moving it on in time. */
    public CircuitState state() {
        return state.get().state;
    }

    /**
     * Whether a call could be let through now, without taking a permit: closed; open with its wait
     * over; half-open with trial calls left and its time not up.
     */
    public boolean permitsCall(long nowNanos) {
        State s = state.get();
        return switch (s.state) {
            case CLOSED -> true;
            case OPEN -> nowNanos - s.sinceNanos >= waitInOpenNanos;
            case HALF_OPEN -> s.trialsLeft.get() > 0 && nowNanos - s.sinceNanos < maxWaitInHalfOpenNanos;
        };
    }

    /**
     * Takes a permit for one call, moving open to half-open when its wait is over and a stale
     * half-open back to open.
     *
     * @return the permit, to hand back with the outcome; {@link #DENIED} when refused
     */
    public long tryAcquire(long nowNanos) {
        for (;;) {
            State s = state.get();
            switch (s.state) {
                case CLOSED:
                    return s.generation;
                case OPEN:
                    if (nowNanos - s.sinceNanos < waitInOpenNanos) {
                        return DENIED;
                    }
                    move(s, CircuitState.HALF_OPEN, nowNanos, "open for " + config.waitInOpen().toMillis() + " ms; letting "
                            + config.permittedCallsInHalfOpen() + " trial call(s) through");
                    continue;
                default:
                    if (expireHalfOpen(s, nowNanos)) {
                        continue;
                    }
                    for (;;) {
                        int left = s.trialsLeft.get();
                        if (left <= 0) {
                            return DENIED;
                        }
                        if (s.trialsLeft.compareAndSet(left, left - 1)) {
                            return s.generation;
                        }
                    }
            }
        }
    }

    /** Hands back a permit that was not used for a call. */
    public void release(long permit) {
        State s = state.get();
        if (s.generation == permit && s.state == CircuitState.HALF_OPEN) {
            s.trialsLeft.incrementAndGet();
        }
    }

    /**
     * Records the outcome of the call made with {@code permit}.
     *
     * @param failed      whether the call failed in a way that counts against the agent
     * @param durationNanos how long it took
     */
    public void onResult(long permit, boolean failed, long durationNanos, long nowNanos) {
        State s = state.get();
        if (s.generation != permit) {
            return;
        }
        boolean slow = durationNanos >= slowNanos;
        if (s.state == CircuitState.CLOSED) {
            window.record(failed, slow);
            int calls = window.calls();
            if (calls >= config.minimumCalls()) {
                String reason = verdict(calls, window.failures(), window.slowCalls());
                if (reason != null) {
                    move(s, CircuitState.OPEN, nowNanos, reason + " of the last " + calls + " calls");
                }
            }
        } else if (s.state == CircuitState.HALF_OPEN) {
            if (failed) {
                s.trialFailures.incrementAndGet();
            }
            if (slow) {
                s.trialSlow.incrementAndGet();
            }
            int done = s.trialsDone.incrementAndGet();
            int trials = config.permittedCallsInHalfOpen();
            if (done >= trials) {
                String reason = verdict(trials, s.trialFailures.get(), s.trialSlow.get());
                if (reason != null) {
                    move(s, CircuitState.OPEN, nowNanos, reason + " of " + trials + " trial calls");
                } else {
                    move(s, CircuitState.CLOSED, nowNanos, trials + " trial call(s) passed");
                }
            }
        }
    }

    /** Moves a half-open breaker whose trials did not complete in time back to open; called by the periodic sweep too. */
    public void sweep(long nowNanos) {
        State s = state.get();
        if (s.state == CircuitState.HALF_OPEN) {
            expireHalfOpen(s, nowNanos);
        }
    }

    /** Nanoseconds until an open breaker will let a trial through; 0 when it is not open or its wait is over. */
    public long nanosUntilPermitted(long nowNanos) {
        State s = state.get();
        return s.state == CircuitState.OPEN ? Math.max(0, waitInOpenNanos - (nowNanos - s.sinceNanos)) : 0;
    }

    private boolean expireHalfOpen(State s, long nowNanos) {
        if (nowNanos - s.sinceNanos < maxWaitInHalfOpenNanos) {
            return false;
        }
        move(s, CircuitState.OPEN, nowNanos, "only " + s.trialsDone.get() + " of " + config.permittedCallsInHalfOpen()
                + " trial call(s) completed within " + config.maxWaitInHalfOpen().toMillis() + " ms");
        return true;
    }

    private String verdict(int calls, int failures, int slowCalls) {
        if (failures * 100L >= (long) config.failureRateThreshold() * calls) {
            return failures + " failed";
        }
        if (slowCalls * 100L >= (long) config.slowCallRateThreshold() * calls) {
            return slowCalls + " slower than " + config.slowCallDuration().toMillis() + " ms";
        }
        return null;
    }

    private void move(State from, CircuitState to, long nowNanos, String reason) {
        int trials = to == CircuitState.HALF_OPEN ? config.permittedCallsInHalfOpen() : 0;
        if (state.compareAndSet(from, new State(to, nowNanos, from.generation + 1, trials))) {
            if (to == CircuitState.CLOSED) {
                window.reset();
            }
            if (to == CircuitState.OPEN && from.state == CircuitState.CLOSED) {
                window.reset();
            }
            try {
                transitions.changed(from.state, to, reason);
            } catch (RuntimeException e) {
                // The engine's listener handles its own errors; a breaker must keep working regardless.
            }
        }
    }
}
