package io.agentorchestrator.core;

import io.agentorchestrator.api.OrchestratorEvent;
import java.util.concurrent.Flow;

/**
 * The orchestrator's live events as a {@link Flow.Publisher}, from {@link Orchestrator#events()}.
 *
 * <p>Each subscriber has its own bounded buffer and is called on a thread of the stream, never
 * on the thread that dispatches: a subscriber that requests too little or handles events slowly
 * loses the events that do not fit its buffer, and those losses are counted. The
 * {@link Flow.Subscription#request(long)} contract is honoured: a subscriber never gets more
 * {@code onNext} calls than it requested. When the orchestrator closes, every subscriber gets
 * what is left in its buffer and then {@code onComplete}; a subscriber that arrives after close is
 * completed at once.
 */
public interface EventStream extends Flow.Publisher<OrchestratorEvent> {

    /** Events buffered per subscriber before further events are dropped for it. */
    int DEFAULT_BUFFER_SIZE = 8192;

    /**
     * Events dropped since start, summed over subscribers: an event dropped for two subscribers
     * counts twice. Thread-safe.
     */
    long dropped();

    /** Current subscribers. Thread-safe. */
    int subscribers();
}
