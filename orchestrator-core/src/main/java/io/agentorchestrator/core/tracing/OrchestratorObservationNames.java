package io.agentorchestrator.core.tracing;

/**
 * Names and key names of the Micrometer {@code Observation}s made when an
 * {@code ObservationRegistry} is given to {@code Orchestrator.builder().observationRegistry(..)}
 * and {@code AgentRuntime.builder(..).observationRegistry(..)}. With a tracing bridge (OpenTelemetry
 * or Brave) each becomes a span:
 *
 * <pre>
 * orchestrator.task                 the whole task, dispatch to result (child of the caller's span)
 *   orchestrator.dispatch           one attempt on one agent (kind CLIENT; writes traceparent/tracestate
 *                                   into the envelope headers)
 *     orchestrator.agent.task       the agent handling it (kind SERVER; reads them back), in the agent's process
 * </pre>
 *
 * <p>Low-cardinality keys ({@link #CAPABILITY}, {@link #TRANSPORT}, {@link #OUTCOME}) also tag the
 * timers a Micrometer {@code DefaultMeterObservationHandler} would make; the high-cardinality ones
 * ({@link #TASK_ID}, {@link #AGENT}, {@link #ATTEMPT}) only go on spans.
 */
public final class OrchestratorObservationNames {

    /** A task from dispatch until its future completes. */
    public static final String TASK = "orchestrator.task";
    /** One attempt of a task sent to one agent, until its reply (sender side). */
    public static final String DISPATCH = "orchestrator.dispatch";
    /** An agent handling one task (receiver side, in {@code AgentRuntime}). */
    public static final String AGENT_TASK = "orchestrator.agent.task";

    /** Low cardinality: the task's capability. */
    public static final String CAPABILITY = "capability";
    /** Low cardinality: the agent endpoint's transport scheme. */
    public static final String TRANSPORT = "transport";
    /**
     * Low cardinality: {@code success}, the simple name of the exception a task or attempt ended
     * with, or the error code of an agent's failure reply.
     */
    public static final String OUTCOME = "outcome";
    /** High cardinality: the task id. */
    public static final String TASK_ID = "task.id";
    /** High cardinality: the agent id. */
    public static final String AGENT = "agent";
    /** High cardinality: the attempt number, 1 for the first. */
    public static final String ATTEMPT = "attempt";

    private OrchestratorObservationNames() {
    }
}
