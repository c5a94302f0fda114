package io.agentorchestrator.core.stats;

/**
 * Which way a measure is going inside one window: the newer half of the window compared with the
 * older half. Too few samples to tell count as {@link #STEADY}.
 */
public enum Trend {
    /** The newer half is clearly higher than the older half. */
    RISING,
    /** No clear change, or too few samples to tell. */
    STEADY,
    /** The newer half is clearly lower than the older half. */
    FALLING
}
