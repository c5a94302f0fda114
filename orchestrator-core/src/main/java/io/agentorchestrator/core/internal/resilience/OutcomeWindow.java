package io.agentorchestrator.core.internal.resilience;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outcomes of the last {@code size} calls (a count-based sliding window), with running totals
 * of calls, failures and slow calls. Lock-free: each record swaps one slot and adjusts the totals
 * by the difference, so the totals always describe the slots, even under concurrent records.
 */
public final class OutcomeWindow {

    private static final int RECORDED = 1;
    private static final int FAILED = 2;
    private static final int SLOW = 4;

    private final AtomicIntegerArray slots;
    private final AtomicLong next = new AtomicLong();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger slow = new AtomicInteger();

    /** A window of the last {@code size} calls, at least 1. */
    public OutcomeWindow(int size) {
        this.slots = new AtomicIntegerArray(size);
    }

    /** Adds one call's outcome, pushing out the oldest when the window is full. */
    public void record(boolean failed, boolean slowCall) {
        int value = RECORDED | (failed ? FAILED : 0) | (slowCall ? SLOW : 0);
        int index = (int) Math.floorMod(next.getAndIncrement(), (long) slots.length());
        adjust(slots.getAndSet(index, value), value);
    }

    /** Forgets every outcome. */
    public void reset() {
        for (int i = 0; i < slots.length(); i++) {
            adjust(slots.getAndSet(i, 0), 0);
        }
    }

    private void adjust(int old, int now) {
        int d = (now & RECORDED) - (old & RECORDED);
        if (d != 0) {
            calls.addAndGet(d);
        }
        d = ((now & FAILED) - (old & FAILED)) / FAILED;
        if (d != 0) {
            failures.addAndGet(d);
        }
        d = ((now & SLOW) - (old & SLOW)) / SLOW;
        if (d != 0) {
            slow.addAndGet(d);
        }
    }

    /** Calls in the window. */
    public int calls() {
        return calls.get();
    }

    /** Failed calls in the window. */
    public int failures() {
        return failures.get();
    }

    /** Slow calls in the window. */
    public int slowCalls() {
        return slow.get();
    }
}
