package io.agentorchestrator.core;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentRegistrationException;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.NoAgentAvailableException;
import io.agentorchestrator.api.OrchestratorClosedException;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskRejectedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.TaskTimeoutException;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.internal.DefaultOrchestrator;
import io.agentorchestrator.core.internal.OrchestratorSettings;
import io.agentorchestrator.core.internal.ProviderLookup;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Routes tasks to registered agents: picks a healthy agent with the task's capability through a
 * {@link Balancer}, sends the task over the agent's {@link Transport}, waits for the result and
 * fails over to another agent when one breaks.
 *
 * <pre>{@code
 * try (Orchestrator orchestrator = Orchestrator.builder()
 *         .transport("inproc:")
 *         .balancer("least-connections")
 *         .defaultTimeout(Duration.ofSeconds(5))
 *         .build()) {
 *     orchestrator.register(AgentDescriptor.builder("planner-1")
 *         .capability("route-planning").endpoint("inproc:planner-1").weight(2).maxConcurrency(8).build());
 *     TaskResult r = orchestrator.dispatch(Task.of("route-planning", payload)).get();
 * }
 * }</pre>
 *
 * <p>Thread-safe. Dispatch never blocks: it returns a future that completes exactly once, with a
 * {@link TaskResult} or with one of {@link NoAgentAvailableException},
 * {@link TaskTimeoutException}, {@link TaskFailedException}, {@link TransportException},
 * {@link TaskRejectedException} or {@link OrchestratorClosedException}. The future's dependent
 * stages run on the thread that completed it (often a transport or agent thread): keep them short
 * or use the {@code *Async} variants.
 */
public interface Orchestrator extends AutoCloseable {

    /**
     * Task header marking a task as safe to run more than once ({@code "true"}): only such tasks
     * are hedged (see {@link Builder#hedging(Duration)}).
     */
    String IDEMPOTENT_HEADER = "idempotent";

    /** Starts configuring an orchestrator. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Adds an agent to the registry; it gets tasks from now on. Registering the very same
     * descriptor again is a no-op, so a hand registration and a directory announcement of one
     * agent do not conflict.
     *
     * @return the agent's live view
     * @throws ValidationException        when {@code agent} is null
     * @throws AgentRegistrationException when the id is taken by a different descriptor or no configured transport serves its endpoint's scheme
     */
    Agent register(AgentDescriptor agent);

    /**
     * Replaces a registered agent's descriptor (same id), keeping its in-flight count and statistics.
     *
     * @throws AgentRegistrationException when no agent with that id is registered, or no transport serves its scheme
     */
    Agent update(AgentDescriptor agent);

    /**
     * Removes an agent. Tasks already sent to it still complete; new tasks go elsewhere.
     *
     * @return whether an agent with that id was registered
     */
    boolean deregister(String agentId);

    /**
     * Sets an agent's routing status, e.g. {@link AgentStatus#DRAINING} before a planned shutdown.
     *
     * @param reason why, carried in the status event
     * @throws AgentRegistrationException when no agent with that id is registered
     */
    void setStatus(String agentId, AgentStatus status, String reason);

    /** The registered agent with this id, if any. */
    Optional<Agent> agent(String agentId);

    /** All registered agents, in registration order. */
    List<Agent> agents();

    /** The registered agents with this capability. */
    List<Agent> agents(String capability);

    /**
     * Sends a task to an agent with its capability and returns its result.
     *
     * @return a future completed exactly once with the result or a typed exception
     * @throws ValidationException when {@code task} is null or its payload exceeds {@code maxPayloadBytes};
     *                             nothing is sent
     */
    CompletableFuture<TaskResult> dispatch(Task task);

    /** Adds a listener for the event stream; see {@link OrchestratorListener} for its contract. */
    void addListener(OrchestratorListener listener);

    /** Removes a listener added before; returns whether it was present. */
    boolean removeListener(OrchestratorListener listener);

    /**
     * Tasks accepted by {@link #dispatch} that have not ended yet, waiting ones included; a
     * point-in-time reading for gauges. Thread-safe and cheap.
     */
    int tasksInFlight();

    /**
     * Tasks of {@code capability} waiting for an agent with a free slot; 0 for an unknown
     * capability or a null one. A point-in-time reading for gauges. Thread-safe and cheap.
     */
    int queuedTasks(String capability);

    /**
     * The live event stream as a {@link java.util.concurrent.Flow.Publisher}: each subscriber gets
     * the events that happen after it subscribed, on a thread of its own, through a bounded buffer
     * of {@value EventStream#DEFAULT_BUFFER_SIZE} events. A subscriber that falls behind loses
     * events (counted by {@link EventStream#dropped()}) rather than slowing dispatch. Subscribers
     * are completed when the orchestrator closes. Always the same instance; nothing is built for
     * events until someone subscribes.
     */
    EventStream events();

    /**
     * Traffic analytics as of now: throughput, error rate, p50/p95/p99 latency and trends per
     * capability and per agent over rolling 1, 5 and 15 minute windows, plus a 15 minute
     * timeline; see {@link io.agentorchestrator.core.stats.StatsCollector} for how they are
     * kept (bounded memory, the orchestrator's ticker). Thread-safe; meant for dashboards and
     * periodic reports, not the hot path.
     */
    io.agentorchestrator.core.stats.StatsSnapshot stats();

    /**
     * The admin server started by {@link Builder#adminServer}, if one was asked for; it closes
     * with the orchestrator.
     */
    default Optional<io.agentorchestrator.core.admin.AdminServer> adminServer() {
        return Optional.empty();
    }

    /**
     * Counts of the result cache ({@link Builder#resultCache}); {@link ResultCacheStats#NONE} when
     * it is off. Thread-safe and cheap.
     */
    default ResultCacheStats resultCacheStats() {
        return ResultCacheStats.NONE;
    }

    /**
     * The capability's desired agent count from the last auto-scaling evaluation; empty when
     * auto-scaling signals are off ({@link Builder#autoScaling}) or the capability was not
     * evaluated yet. Thread-safe and cheap.
     */
    default java.util.OptionalInt desiredAgents(String capability) {
        return java.util.OptionalInt.empty();
    }

    /**
     * Changes settings while tasks flow: the balancer, agents' weights, health check settings,
     * circuit breaker and rate-limit settings (see {@link io.agentorchestrator.core.config.Reconfiguration}).
     * The new settings replace the old ones as one snapshot, so a placement sees all old or all
     * new values; tasks in flight are not interrupted and waiting tasks are placed again. Each
     * effective change is logged and reported as one
     * {@link io.agentorchestrator.api.OrchestratorEvent.ConfigurationChanged} event. Nothing
     * changes when the change cannot be applied as a whole.
     *
     * @throws ValidationException        when it changes health checks that are off
     * @throws AgentRegistrationException when it weighs an agent that is not registered
     * @throws OrchestratorClosedException when closed
     * @throws UnsupportedOperationException when this implementation cannot change settings live
     */
    default void reconfigure(io.agentorchestrator.core.config.Reconfiguration change) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot change its settings while it runs");
    }

    /**
     * Stops taking tasks, waits up to the shutdown timeout for tasks in flight, fails the rest
     * with {@link OrchestratorClosedException}, and releases what the orchestrator created
     * (transports it looked up by URI, its own scheduler). Idempotent.
     */
    @Override
    void close();

    /**
     * Configures an {@link Orchestrator}. Each setter checks its value at once and names it in the
     * error. Not thread-safe; {@link #build()} may be called once.
     */
    final class Builder {

        /** Time a task is given when it sets none: {@value #DEFAULT_TIMEOUT_SECONDS} s. */
        public static final long DEFAULT_TIMEOUT_SECONDS = 30;
        /** Time a task is given when it sets none. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
        /** Agents tried per task, the first included. */
        public static final int DEFAULT_MAX_ATTEMPTS = 3;
        /** Tasks per capability that may wait for a free agent when all are at their max concurrency. */
        public static final int DEFAULT_MAX_QUEUED_TASKS = 10_000;
        /** Largest task payload accepted: 1 MiB. */
        public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;
        /** How long {@link #close()} waits for tasks in flight. */
        public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
        /** Time constant of each agent's peak-EWMA latency ({@code Agent.latencyEwmaNanos()}), as in Finagle. */
        public static final Duration DEFAULT_LATENCY_DECAY = Duration.ofSeconds(10);
        /** Balancer when none is set. */
        public static final String DEFAULT_BALANCER = "round-robin";
        /** Transport when none is set. */
        public static final String DEFAULT_TRANSPORT = "inproc:";
        /** Most delay before a first retry (full jitter, doubling per retry): 25 ms, as in Envoy. */
        public static final Duration DEFAULT_RETRY_BACKOFF_BASE = Duration.ofMillis(25);
        /** Most delay before any retry: 250 ms (10 times the base, as in Envoy). */
        public static final Duration DEFAULT_RETRY_BACKOFF_MAX = Duration.ofMillis(250);
        /** Retries allowed per request made in the last 10 s: 0.2 (Envoy, Finagle). */
        public static final double DEFAULT_RETRY_BUDGET_RATIO = 0.2;
        /** Retries always allowed per second, whatever the traffic: 10 (Finagle). */
        public static final int DEFAULT_RETRY_BUDGET_MIN_PER_SECOND = 10;
        /** TTLs an agent whose lease lapsed stays registered (UNHEALTHY) before it is removed: 2. */
        public static final int DEFAULT_LEASE_GRACE_TTLS = 2;

        private final Map<String, Transport> transports = new LinkedHashMap<>();
        private final List<Transport> ownedTransports = new ArrayList<>();
        private Balancer balancer;
        private Duration defaultTimeout = DEFAULT_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private int maxQueuedTasks = DEFAULT_MAX_QUEUED_TASKS;
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private Clock clock = Clock.systemUTC();
        private Ticker ticker = Ticker.system();
        private ScheduledExecutorService scheduler;
        private final List<OrchestratorListener> listeners = new ArrayList<>();
        private boolean watchDirectories = true;
        private String localZone;
        private Duration latencyDecay = DEFAULT_LATENCY_DECAY;
        private HealthCheckConfig healthCheck;
        private OutlierDetectionConfig outlierDetection;
        private CircuitBreakerConfig circuitBreaker;
        private RateLimitConfig agentRateLimit;
        private final Map<String, RateLimitConfig> capabilityRateLimits = new LinkedHashMap<>();
        private Duration retryBackoffBase = DEFAULT_RETRY_BACKOFF_BASE;
        private Duration retryBackoffMax = DEFAULT_RETRY_BACKOFF_MAX;
        private double retryBudgetRatio = DEFAULT_RETRY_BUDGET_RATIO;
        private int retryBudgetMinPerSecond = DEFAULT_RETRY_BUDGET_MIN_PER_SECOND;
        private int leaseGraceTtls = DEFAULT_LEASE_GRACE_TTLS;
        private ScheduledExecutorService healthScheduler;
        private Duration hedgeDelay;
        private io.agentorchestrator.core.security.SecurityConfig security;
        private io.agentorchestrator.core.admin.AdminServerConfig adminServer;
        private io.micrometer.core.instrument.MeterRegistry meterRegistry;
        private boolean perAgentMetrics;
        private String mirrorScheme;
        private String mirrorChannel;
        private String mirrorOrigin;
        private io.agentorchestrator.core.internal.TaskTracer tracer;
        private ResultCacheConfig resultCache;
        private io.agentorchestrator.core.scaling.ScalingPolicy scalingPolicy;
        private io.agentorchestrator.core.scaling.ScalingHook scalingHook;
        private boolean built;

        Builder() {
        }

        /**
         * Adds the transport for a URI, found through {@code ServiceLoader} by its scheme:
         * {@code "inproc:"} (the default), {@code "redis://host:6379"}, {@code "amqp://user:pass@host/vhost"},
         * {@code "kafka://host:9092"}. Call once per scheme the agents use. The orchestrator closes
         * transports it created this way.
         *
         * @throws ValidationException       when the URI is malformed
         * @throws ProviderNotFoundException when no transport serves the scheme; the message names the artifact to add
         */
        public Builder transport(String uri) {
            Transport transport = ProviderLookup.transport(uri);
            ownedTransports.add(transport);
            return putTransport(transport);
        }

        /** Adds a transport instance; it wins over discovery for its scheme. The caller keeps ownership and closes it. */
        public Builder transport(Transport transport) {
            return putTransport(ValidationException.requireNonNull(transport, "transport"));
        }

        private Builder putTransport(Transport transport) {
            String scheme = ValidationException.requireNonNull(transport.scheme(), "transport.scheme()");
            transports.put(scheme.toLowerCase(java.util.Locale.ROOT), transport);
            return this;
        }

        /**
         * Selects a balancer by name: {@code round-robin} (the default), {@code least-connections},
         * {@code weighted-round-robin} (alias {@code weighted}), {@code random}, or any found
         * through {@code ServiceLoader}.
         *
         * @throws ProviderNotFoundException when no balancer has that name; the message lists the known ones
         */
        public Builder balancer(String name) {
            this.balancer = ProviderLookup.balancer(name);
            return this;
        }

        /** Uses this balancer instance. */
        public Builder balancer(Balancer balancer) {
            this.balancer = ValidationException.requireNonNull(balancer, "balancer");
            return this;
        }

        /** Time a task gets when it sets no timeout of its own, > 0; default {@value #DEFAULT_TIMEOUT_SECONDS} s. */
        public Builder defaultTimeout(Duration timeout) {
            this.defaultTimeout = positive(timeout, "defaultTimeout");
            return this;
        }

        /**
         * Agents tried per task including the first, 1 to 100; default {@value #DEFAULT_MAX_ATTEMPTS}.
         * A retry goes to an agent not tried yet, and only after a retryable failure (transport
         * error, agent busy or stopping, a handler that says so); never after a timeout.
         */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = ValidationException.requireInRange(maxAttempts, 1, 100, "maxAttempts");
            return this;
        }

        /**
         * Tasks per capability that may wait, highest priority first, while every agent is at its
         * max concurrency, 0 to 10,000,000; default {@value #DEFAULT_MAX_QUEUED_TASKS}. Beyond it
         * dispatch fails fast with {@link TaskRejectedException}; 0 means never wait.
         */
        public Builder maxQueuedTasks(int maxQueuedTasks) {
            this.maxQueuedTasks = ValidationException.requireInRange(maxQueuedTasks, 0, 10_000_000, "maxQueuedTasks");
            return this;
        }

        /** Largest task payload in bytes, 1 to 512 MiB; default {@value #DEFAULT_MAX_PAYLOAD_BYTES} (1 MiB). */
        public Builder maxPayloadBytes(int maxPayloadBytes) {
            this.maxPayloadBytes = ValidationException.requireInRange(maxPayloadBytes, 1, 512 << 20, "maxPayloadBytes");
            return this;
        }

        /** How long {@link Orchestrator#close()} waits for tasks in flight, >= 0; default 10 s. */
        public Builder shutdownTimeout(Duration timeout) {
            ValidationException.requireNonNull(timeout, "shutdownTimeout");
            ValidationException.require(!timeout.isNegative(), "shutdownTimeout", "must be >= 0", timeout);
            this.shutdownTimeout = timeout;
            return this;
        }

        /** Wall clock for deadlines and event times; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = ValidationException.requireNonNull(clock, "clock");
            return this;
        }

        /** Monotonic time source for latencies; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = ValidationException.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Scheduler for task timeouts. Default: one daemon thread {@code orchestrator-timer-N},
         * owned and shut down by the orchestrator. A scheduler passed here is not shut down.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = ValidationException.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Adds an event listener from the start, so it sees every registration. */
        public Builder listener(OrchestratorListener listener) {
            listeners.add(ValidationException.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Time constant of each agent's peak-sensitive latency average, which the
         * {@code peak-ewma} balancer routes by: a higher sample replaces the average at once, a
         * lower one pulls it down with a weight of {@code 1 - exp(-elapsed / decay)}. 1 ms to 1 h;
         * default 10 s.
         */
        public Builder latencyDecay(Duration decay) {
            ValidationException.requireNonNull(decay, "latencyDecay");
            ValidationException.require(decay.compareTo(Duration.ofMillis(1)) >= 0 && decay.compareTo(Duration.ofHours(1)) <= 0,
                    "latencyDecay", "must be between 1 ms and 1 h", decay);
            this.latencyDecay = decay;
            return this;
        }

        /**
         * The zone this orchestrator runs in: tasks that prefer no zone of their own prefer agents
         * whose {@code zone} metadata equals it, and go elsewhere only when no eligible agent is
         * there (none healthy, all full or all tried). Default: none.
         */
        public Builder localZone(String zone) {
            ValidationException.requireNonNull(zone, "localZone");
            ValidationException.require(!zone.isBlank() && zone.length() <= 128, "localZone", "must be 1-128 characters and not blank", zone);
            this.localZone = zone;
            return this;
        }

        /**
         * Whether to register the agents that announce themselves through a transport's shared
         * {@link io.agentorchestrator.api.AgentDirectory} (and deregister them when they withdraw or
         * their lease lapses); default {@code true}. Agents can always be registered by hand too.
         */
        public Builder watchAgentDirectory(boolean watch) {
            this.watchDirectories = watch;
            return this;
        }

        /**
         * Turns on active health checking: every agent is probed on its own schedule, and runs of
         * failures and passes move it between HEALTHY and UNHEALTHY (with an
         * {@link io.agentorchestrator.api.OrchestratorEvent.AgentStatusChanged} each time). A
         * passing agent that outlier detection ejected comes back at once. Only agents the checker
         * itself marked UNHEALTHY are made HEALTHY again by it; DRAINING agents are left alone.
         * Default: off.
         */
        public Builder healthCheck(HealthCheckConfig config) {
            this.healthCheck = ValidationException.requireNonNull(config, "healthCheck");
            return this;
        }

        /**
         * Turns on passive outlier detection on real traffic; see {@link OutlierDetectionConfig}
         * ({@link OutlierDetectionConfig#defaults()} for Envoy's defaults). Default: off, because
         * it changes what callers see when an agent fails (no agent rather than its error).
         */
        public Builder outlierDetection(OutlierDetectionConfig config) {
            this.outlierDetection = ValidationException.requireNonNull(config, "outlierDetection");
            return this;
        }

        /**
         * Gives every agent its own circuit breaker; see {@link CircuitBreakerConfig}
         * ({@link CircuitBreakerConfig#defaults()} for Resilience4j's defaults). Default: off.
         */
        public Builder circuitBreaker(CircuitBreakerConfig config) {
            this.circuitBreaker = ValidationException.requireNonNull(config, "circuitBreaker");
            return this;
        }

        /**
         * Limits the tasks each agent gets with a token bucket: an agent whose bucket is empty is
         * skipped, and when all are, tasks wait in the queue for a token. Default: no limit.
         */
        public Builder agentRateLimit(RateLimitConfig limit) {
            this.agentRateLimit = ValidationException.requireNonNull(limit, "agentRateLimit");
            return this;
        }

        /**
         * Limits the tasks dispatched for one capability with a token bucket; a task beyond it is
         * refused with {@link io.agentorchestrator.api.RateLimitExceededException}. Retries do not
         * take tokens. Default: no limit.
         */
        public Builder capabilityRateLimit(String capability, RateLimitConfig limit) {
            AgentDescriptor.requireCapability(capability, "capability");
            capabilityRateLimits.put(capability, ValidationException.requireNonNull(limit, "capabilityRateLimit"));
            return this;
        }

        /**
         * Delay before retries: each is uniformly random between 0 and {@code base * 2^(retry-1)},
         * at most {@code max} ("full jitter"). A retry whose delay would end past the task's
         * deadline is not made. {@code base} 0 to 10 s ({@link Duration#ZERO} retries at once),
         * {@code max} at least {@code base}, at most 1 min; defaults 25 ms and 250 ms.
         */
        public Builder retryBackoff(Duration base, Duration max) {
            ValidationException.requireNonNull(base, "retryBackoffBase");
            ValidationException.requireNonNull(max, "retryBackoffMax");
            ValidationException.require(!base.isNegative() && base.compareTo(Duration.ofSeconds(10)) <= 0, "retryBackoffBase",
                    "must be between 0 and 10 s", base);
            ValidationException.require(max.compareTo(base) >= 0 && max.compareTo(Duration.ofMinutes(1)) <= 0, "retryBackoffMax",
                    "must be between retryBackoffBase (" + base + ") and 1 min", max);
            this.retryBackoffBase = base;
            this.retryBackoffMax = max;
            return this;
        }

        /**
         * The retry budget: over the last 10 s, retries may number at most {@code ratio} times the
         * tasks dispatched, plus {@code minRetriesPerSecond} per second, so an outage does not turn
         * into a retry storm. A task whose retry is refused fails with its last error. Ratio 0 to
         * 10, default {@value #DEFAULT_RETRY_BUDGET_RATIO}; floor 0 to 10,000, default
         * {@value #DEFAULT_RETRY_BUDGET_MIN_PER_SECOND}.
         */
        public Builder retryBudget(double ratio, int minRetriesPerSecond) {
            ValidationException.require(ratio >= 0 && ratio <= 10, "retryBudgetRatio", "must be between 0 and 10", ratio);
            this.retryBudgetMinPerSecond = ValidationException.requireInRange(minRetriesPerSecond, 0, 10_000, "minRetriesPerSecond");
            this.retryBudgetRatio = ratio;
            return this;
        }

        /**
         * How many TTLs a directory-announced agent whose lease lapsed stays registered (as
         * UNHEALTHY) before it is removed, 1 to 100; default {@value #DEFAULT_LEASE_GRACE_TTLS}.
         */
        public Builder leaseGraceTtls(int ttls) {
            this.leaseGraceTtls = ValidationException.requireInRange(ttls, 1, 100, "leaseGraceTtls");
            return this;
        }

        /**
         * Scheduler that runs health checks and the sweeps ending ejections. Default: one daemon
         * thread {@code orchestrator-health-N}, started only when health checks, outlier detection
         * or circuit breakers are on, owned and shut down by the orchestrator. A scheduler passed
         * here is not shut down.
         */
        public Builder healthScheduler(ScheduledExecutorService scheduler) {
            this.healthScheduler = ValidationException.requireNonNull(scheduler, "healthScheduler");
            return this;
        }

        /**
         * Hedges idempotent tasks (header {@value Orchestrator#IDEMPOTENT_HEADER}: {@code true}):
         * when the first attempt has not answered after {@code delay}, a second is sent to another
         * free agent; the first answer wins and the other attempt is cancelled. A hedge takes one
         * retry from the retry budget and needs {@code maxAttempts} of at least 2. 1 ms to 1 h.
         * Default: off.
         */
        public Builder hedging(Duration delay) {
            ValidationException.requireNonNull(delay, "hedgeDelay");
            ValidationException.require(delay.compareTo(Duration.ofMillis(1)) >= 0 && delay.compareTo(Duration.ofHours(1)) <= 0,
                    "hedgeDelay", "must be between 1 ms and 1 h", delay);
            this.hedgeDelay = delay;
            return this;
        }

        /**
         * Turns on the security layer: credentials on announcements, tasks and replies, the access
         * policy, limits, payload encryption and the audit trail (README, "Security"). Default: the
         * configuration outside the code ({@code SecurityConfig.fromEnvironment()}), else off, which
         * only {@code inproc:} and {@code a2a:} allow: {@link #build()} refuses other transports
         * without a configuration or the explicit opt-out {@code SecurityConfig.insecure(reason)}.
         */
        public Builder security(io.agentorchestrator.core.security.SecurityConfig config) {
            this.security = ValidationException.requireNonNull(config, "security");
            return this;
        }

        /**
         * Serves the admin API and live dashboard with this configuration on the JDK's built-in
         * HTTP server, from build until close; see {@link io.agentorchestrator.core.admin.AdminServer}.
         * Default: no admin server.
         */
        public Builder adminServer(io.agentorchestrator.core.admin.AdminServerConfig config) {
            this.adminServer = ValidationException.requireNonNull(config, "adminServer");
            return this;
        }

        /**
         * Turns on the result cache for tasks marked {@link Task#cacheable() cacheable}: a result is
         * served again for the same capability and cache key (or payload) until its TTL ends, and
         * concurrent identical tasks share one dispatch; see {@link ResultCacheConfig}. Default: off.
         */
        public Builder resultCache(ResultCacheConfig config) {
            this.resultCache = ValidationException.requireNonNull(config, "resultCache");
            return this;
        }

        /**
         * Registers the orchestrator's meters ({@link io.agentorchestrator.core.metrics.OrchestratorMetrics},
         * names in {@link io.agentorchestrator.core.metrics.OrchestratorMetricNames}), its
         * transports' counters included, in {@code registry} when it is built. Needs
         * {@code io.micrometer:micrometer-core} on the classpath. Default: no meters.
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            this.meterRegistry = ValidationException.requireNonNull(registry, "meterRegistry");
            return this;
        }

        /**
         * Mirrors the orchestrator's live events onto {@code channel} of the event channel of its
         * transport for {@code scheme} ({@link Transport#eventChannel()}), so that other instances
         * and tools can watch them with {@link io.agentorchestrator.core.mirror.EventMirror#watch}.
         * The events go out from an {@link Orchestrator#events()} subscriber, never from the
         * dispatching thread. Watchers see them as coming from an origin named after this
         * orchestrator ({@code orchestrator-} and 8 random hex digits). Default: not mirrored.
         *
         * @throws ValidationException when {@code scheme} is null or {@code channel} is not 1-100 of
         *                             {@code A-Z a-z 0-9 . _ -}
         */
        public Builder mirrorEvents(String scheme, String channel) {
            return mirrorEvents(scheme, channel, "orchestrator-" + java.util.UUID.randomUUID().toString().substring(0, 8));
        }

        /**
         * As {@link #mirrorEvents(String, String)}, with the origin watchers see the events come from.
         *
         * @throws ValidationException when a value is null, or {@code channel} or {@code origin} is
         *                             not 1-100 of {@code A-Z a-z 0-9 . _ -}
         */
        public Builder mirrorEvents(String scheme, String channel, String origin) {
            this.mirrorScheme = ValidationException.requireNonNull(scheme, "scheme").toLowerCase(java.util.Locale.ROOT);
            this.mirrorChannel = io.agentorchestrator.api.EventChannel.requireName(channel, "channel");
            this.mirrorOrigin = io.agentorchestrator.api.EventChannel.requireName(origin, "origin");
            return this;
        }

        /**
         * Turns on auto-scaling signals: every evaluation interval each capability's desired agent
         * count is computed by {@code policy}; each change is reported as a
         * {@link io.agentorchestrator.api.OrchestratorEvent.ScalingRecommended} event, read by
         * {@link Orchestrator#desiredAgents(String)} (and its gauge), and handed to the
         * {@link #scalingHook scaling hook}. Default: off.
         */
        public Builder autoScaling(io.agentorchestrator.core.scaling.ScalingPolicy policy) {
            this.scalingPolicy = ValidationException.requireNonNull(policy, "scalingPolicy");
            return this;
        }

        /**
         * Whether task, attempt, breaker and ejection meters carry an {@code agent} tag, one series
         * per agent; keep it off with many or short-lived agents. Default {@code false}.
         */
        public Builder perAgentMetrics(boolean perAgent) {
            this.perAgentMetrics = perAgent;
            return this;
        }

        /**
         * Wraps each task and each attempt in a Micrometer {@code Observation} (names in
         * {@link io.agentorchestrator.core.tracing.OrchestratorObservationNames}); with a tracing
         * bridge's propagating handlers registered, W3C {@code traceparent}/{@code tracestate} go
         * into every envelope's headers. Needs {@code io.micrometer:micrometer-observation}.
         * Default: {@code ObservationRegistry.NOOP}, no tracing and no cost.
         */
        public Builder observationRegistry(io.micrometer.observation.ObservationRegistry registry) {
            ValidationException.requireNonNull(registry, "observationRegistry");
            this.tracer = registry == io.micrometer.observation.ObservationRegistry.NOOP ? null
                    : new io.agentorchestrator.core.internal.observation.ObservationTaskTracer(registry);
            return this;
        }

        /**
         * Connects the auto-scaling signal to the host's own scaler: told of each change of a
         * capability's desired agent count. Needs {@link #autoScaling}. Default: none (events and
         * the gauge only).
         */
        public Builder scalingHook(io.agentorchestrator.core.scaling.ScalingHook hook) {
            this.scalingHook = ValidationException.requireNonNull(hook, "scalingHook");
            return this;
        }

        /**
         * Builds the orchestrator and starts watching the transports' agent directories. A
         * directory whose broker cannot be reached yet does not fail the build: it is watched
         * in the background, retrying with a growing delay (200 ms up to 10 s), and a WARN says so.
         *
         * @throws IllegalStateException when called twice
         * @throws ValidationException when a transport other than {@code inproc:}/{@code a2a:} has no
         *         security configuration and no explicit opt-out (see {@link #security})
         */
        public Orchestrator build() {
            if (built) {
                throw new IllegalStateException("build() was already called on this builder");
            }
            built = true;
            if (transports.isEmpty()) {
                transport(DEFAULT_TRANSPORT);
            }
            Balancer b = balancer != null ? balancer : ProviderLookup.balancer(DEFAULT_BALANCER);
            ValidationException.require(scalingHook == null || scalingPolicy != null, "scalingHook", "needs autoScaling(policy) to be set",
                    scalingHook);
            io.agentorchestrator.api.EventChannel mirror = null;
            if (mirrorScheme != null) {
                Transport t = transports.get(mirrorScheme);
                ValidationException.require(t != null, "mirrorEvents", "needs a transport of that scheme among the configured ones "
                        + transports.keySet(), mirrorScheme);
                mirror = t.eventChannel().orElseThrow(() -> new ValidationException("mirrorEvents",
                        "needs a transport that offers an event channel, which the '" + mirrorScheme + "' one does not", mirrorScheme));
            }
            var layer = io.agentorchestrator.core.security.internal.SecurityLayer.install(security, transports.keySet(), "the orchestrator");
            if (layer != null) {
                transports.putAll(layer.wrap(transports));
                listeners.add(layer.listener());
            }
            DefaultOrchestrator orchestrator = new DefaultOrchestrator(new OrchestratorSettings(Map.copyOf(transports), List.copyOf(ownedTransports), b,
                    defaultTimeout, maxAttempts, maxQueuedTasks, maxPayloadBytes, shutdownTimeout, clock, ticker, scheduler,
                    List.copyOf(listeners), watchDirectories, localZone, latencyDecay, healthCheck, outlierDetection, circuitBreaker,
                    agentRateLimit, Map.copyOf(capabilityRateLimits), retryBackoffBase, retryBackoffMax, retryBudgetRatio,
                    retryBudgetMinPerSecond, leaseGraceTtls, healthScheduler, hedgeDelay, tracer, resultCache, scalingPolicy,
                    scalingHook));
            // The security layer's registration gate must see the registry before directories are watched.
            Orchestrator guarded = layer == null ? null : layer.guard(orchestrator);
            orchestrator.start();
            if (meterRegistry != null) {
                new io.agentorchestrator.core.metrics.OrchestratorMetrics(orchestrator, perAgentMetrics, transports.values())
                        .bindTo(meterRegistry);
            }
            if (mirror != null) {
                var publisher = io.agentorchestrator.core.mirror.EventMirror.publish(orchestrator, mirror, mirrorChannel, mirrorOrigin);
                if (meterRegistry != null) {
                    new io.agentorchestrator.core.metrics.EventMirrorMetrics(publisher).bindTo(meterRegistry);
                }
            }
            // The admin API acts on what the host gets, so with security on it passes the policy, the limits and the audit.
            Orchestrator facade = guarded == null ? orchestrator : guarded;
            if (adminServer != null) {
                orchestrator.startAdminServer(facade, adminServer);
            }
            return facade;
        }

        private static Duration positive(Duration d, String field) {
            ValidationException.requireNonNull(d, field);
            ValidationException.require(!d.isNegative() && !d.isZero(), field, "must be > 0", d);
            return d;
        }
    }
}
