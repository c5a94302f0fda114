package io.agentorchestrator.core.metrics;

/**
 * Names and tag keys of the meters {@link OrchestratorMetrics} registers: dot-separated, prefixed
 * {@code orchestrator.}; each registry renders them in its own convention (Prometheus turns
 * {@code orchestrator.tasks.completed} into {@code orchestrator_tasks_completed_total}).
 */
public final class OrchestratorMetricNames {

    /** Tasks that reached a first agent (counter; tags capability[, agent]). */
    public static final String TASKS_DISPATCHED = "orchestrator.tasks.dispatched";
    /** Tasks that ended with a result (counter; tags capability, outcome=success[, agent]). */
    public static final String TASKS_COMPLETED = "orchestrator.tasks.completed";
    /** Tasks that ended without a result (counter; tags capability, outcome=exception simple name[, agent]). */
    public static final String TASKS_FAILED = "orchestrator.tasks.failed";
    /**
     * Time from dispatch to the end of a task, successful or not (timer with percentile histogram;
     * tags capability, outcome={@value #OUTCOME_SUCCESS} or the exception's simple name).
     */
    public static final String TASK_LATENCY = "orchestrator.task.latency";
    /** Time from sending one attempt to its answer (timer with percentile histogram; tags capability, outcome[, agent]). */
    public static final String ATTEMPT_LATENCY = "orchestrator.attempt.latency";
    /** Attempts retried on another agent (counter; tag capability). */
    public static final String RETRIES = "orchestrator.retries";
    /** Hedged extra attempts sent (counter; tag capability). */
    public static final String HEDGES = "orchestrator.hedges";
    /** Tasks that failed with a timeout (counter; tag capability). */
    public static final String TIMEOUTS = "orchestrator.timeouts";
    /** Tasks accepted and not ended yet, waiting ones included (gauge). */
    public static final String TASKS_IN_FLIGHT = "orchestrator.tasks.in.flight";
    /** Tasks waiting for an agent with a free slot (gauge; tag capability). */
    public static final String TASKS_QUEUED = "orchestrator.tasks.queued";
    /** Registered agents (gauge; tags capability, status). */
    public static final String AGENTS = "orchestrator.agents";
    /** Circuit breaker transitions (counter; tags from, to[, agent]). */
    public static final String BREAKER_STATE_CHANGES = "orchestrator.breaker.state.changes";
    /** Agents ejected by outlier detection (counter; [tag agent]). */
    public static final String EJECTIONS = "orchestrator.ejections";
    /** Attempts that failed in the transport: not delivered, or the agent went away before answering (function counter; tag transport). */
    public static final String TRANSPORT_SEND_ERRORS = "orchestrator.transport.send.errors";
    /** Tasks a broker delivered again to an agent side (function counter; tag transport). */
    public static final String TRANSPORT_REDELIVERIES = "orchestrator.transport.redeliveries";
    /** Messages a transport set aside as undeliverable (function counter; tag transport). */
    public static final String TRANSPORT_DEAD_LETTERS = "orchestrator.transport.dead.letters";
    /** Replies that arrived after their task stopped waiting; dropped (function counter; tag transport). */
    public static final String TRANSPORT_LATE_REPLIES = "orchestrator.transport.late.replies";
    /** Events a live-event subscriber lost because its buffer was full (function counter). */
    public static final String EVENTS_DROPPED = "orchestrator.events.dropped";
    /**
     * Events mirrored onto a transport's event channel (function counter; tag outcome:
     * {@value #OUTCOME_PUBLISHED}, or {@value #OUTCOME_FAILED} when the channel refused them and they were lost).
     */
    public static final String EVENTS_MIRRORED = "orchestrator.events.mirrored";

    /** Cacheable tasks answered from the result cache or by joining an identical dispatch (function counter). */
    public static final String CACHE_HITS = "orchestrator.cache.hits";
    /** Cacheable tasks that were dispatched (function counter). */
    public static final String CACHE_MISSES = "orchestrator.cache.misses";
    /** Cached results dropped because they expired or the cache was full (function counter). */
    public static final String CACHE_EVICTIONS = "orchestrator.cache.evictions";
    /** Results held by the result cache (gauge). */
    public static final String CACHE_SIZE = "orchestrator.cache.size";

    /** A capability's desired agent count from the auto-scaling signal; NaN while unknown or off (gauge; tag capability). */
    public static final String SCALING_DESIRED_AGENTS = "orchestrator.scaling.desired.agents";

    /** Tag: the task's or agent's capability. */
    public static final String TAG_CAPABILITY = "capability";
    /** Tag: {@value #OUTCOME_SUCCESS} or the simple name of the exception a task or attempt ended with. */
    public static final String TAG_OUTCOME = "outcome";
    /** Tag: an agent's status, lower case ({@code healthy}, {@code unhealthy}, ...). */
    public static final String TAG_STATUS = "status";
    /** Tag: agent id; only when per-agent tags are on. */
    public static final String TAG_AGENT = "agent";
    /** Tag: a transport's URI scheme ({@code redis}, {@code amqp}, ...). */
    public static final String TAG_TRANSPORT = "transport";
    /** Tag: the breaker state left, lower case. */
    public static final String TAG_FROM = "from";
    /** Tag: the breaker state entered, lower case. */
    public static final String TAG_TO = "to";
    /** The outcome tag's value for a success. */
    public static final String OUTCOME_SUCCESS = "success";
    /** Outcome of a mirrored event the channel took. */
    public static final String OUTCOME_PUBLISHED = "published";
    /** Outcome of a mirrored event the channel refused (broker unreachable): lost. */
    public static final String OUTCOME_FAILED = "failed";

    private OrchestratorMetricNames() {
    }
}
