package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentRegistrationException;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.CircuitState;
import io.agentorchestrator.api.NoAgentAvailableException;
import io.agentorchestrator.api.OrchestratorClosedException;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.OrchestratorListener;
import io.agentorchestrator.api.RateLimitExceededException;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskRejectedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.TaskTimeoutException;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.OutlierDetectionConfig;
import io.agentorchestrator.core.RateLimitConfig;
import io.agentorchestrator.core.internal.resilience.CircuitBreaker;
import io.agentorchestrator.core.internal.resilience.OutlierDetector;
import io.agentorchestrator.core.internal.resilience.RetryBudget;
import io.agentorchestrator.core.internal.resilience.TokenBucket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link Orchestrator}: registry, placement, attempts, retries, waiting and
 * shutdown. See DESIGN.md, "The path of one task".
 */
public final class DefaultOrchestrator implements Orchestrator {

    private static final Logger log = LoggerFactory.getLogger(DefaultOrchestrator.class);
    private static final AtomicInteger TIMER_IDS = new AtomicInteger();
    /** Picks that lost the race for an agent's last slot before the task is queued instead. */
    private static final int MAX_PICKS = 4;

    private enum Placement { SENT, QUEUED, FAILED }

    private static final int RUNNING = 0;
    private static final int CLOSING = 1;
    private static final int CLOSED = 2;

    private final OrchestratorSettings settings;
    /** Serialises reconfigurations, which are rare. */
    private final Object reconfiguring = new Object();
    private final java.util.concurrent.atomic.AtomicBoolean healthTicking = new java.util.concurrent.atomic.AtomicBoolean();
    /** Null when the result cache is off. */
    private final ResultCache resultCache;
    /** Null when auto-scaling signals are off. */
    private final AutoScaler autoScaler;
    private final AgentRegistry registry;
    /** Listeners in the order added; written under its own lock, read through {@link #listenerArray}. */
    private final List<OrchestratorListener> listeners;
    /** The listeners as an array, replaced on every change: each event walks it with no iterator. */
    private volatile OrchestratorListener[] listenerArray;
    private final ConcurrentHashMap<String, WaitQueue> queues = new ConcurrentHashMap<>();
    private final PendingSet<TaskExecution> active = new PendingSet<>();
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder lateReplies = new LongAdder();
    private final Object lifecycle = new Object();
    private volatile int state = RUNNING;
    private volatile ScheduledExecutorService timer;
    private volatile ScheduledExecutorService healthTimer;
    private final HealthChecker healthChecker;
    private final RetryBudget retryBudget;
    /** Serialises ejection decisions, so two failing agents cannot both take the last ejection slot. */
    private final Object ejections = new Object();
    private final LongAdder retriesDenied = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder busyResends = new LongAdder();
    private final LongAdder hedges = new LongAdder();
    private final io.agentorchestrator.core.stats.StatsCollector stats;
    /** Wall time from the ticker readings the dispatch path takes anyway. */
    private final WallClock wall;
    private volatile io.agentorchestrator.core.admin.AdminServer adminServer;
    /** Traces tasks and attempts; null when tracing is off. */
    private final TaskTracer tracer;
    /**
     * The live event stream. Fed by {@link #emit} directly once it has had a subscriber, not as one
     * of the listeners: a call the JIT can inline, which leaves the listeners' call site to the
     * host's listeners and the meter binder (measured: two listeners there are inlined, three are not).
     */
    private final EventHub events = new EventHub(io.agentorchestrator.core.EventStream.DEFAULT_BUFFER_SIZE, hub -> streaming = true);
    /** Whether the event stream has had a subscriber; from then on every event is built and offered to it. */
    private volatile boolean streaming;
    private final TimeoutScheduler timeouts = new TimeoutScheduler(this::timer, () -> active, ex -> {
        ex.timedOut = true;
        fail(ex, timeout(ex));
    });

    /** Window over which the retry budget counts requests and retries. */
    static final Duration RETRY_BUDGET_WINDOW = Duration.ofSeconds(10);

    /** How often leases of directory-announced agents are checked. */
    static final Duration LEASE_SWEEP_INTERVAL = Duration.ofMillis(500);

    private record Lease(long expiresAtNanos, long ttlNanos) {
    }

    private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
    private final Set<String> lapsed = ConcurrentHashMap.newKeySet();
    private final List<Transport.Listener> watches = new CopyOnWriteArrayList<>();

    /** Creates the engine; starts no thread. */
    public DefaultOrchestrator(OrchestratorSettings settings) {
        this.settings = settings;
        this.resultCache = settings.resultCache() == null ? null : new ResultCache(settings.resultCache(), settings.ticker());
        this.autoScaler = settings.scalingPolicy() == null ? null
                : new AutoScaler(settings.scalingPolicy(), settings.ticker(), settings.scalingHook());
        this.registry = new AgentRegistry(settings.latencyDecay().toNanos(), LiveSettings.initial(settings), this::attachGuards);
        this.listeners = new ArrayList<>(settings.listeners());
        this.listenerArray = listeners.toArray(new OrchestratorListener[0]);
        // Fed directly by the engine, not as a listener: an orchestrator nobody listens to builds no events.
        this.stats = io.agentorchestrator.core.stats.StatsCollector.create(settings.clock(), settings.ticker());
        this.wall = new WallClock(settings.clock(), settings.ticker());
        this.tracer = settings.tracer();
        this.timer = settings.scheduler();
        this.healthTimer = settings.healthScheduler();
        this.healthChecker = settings.healthCheck() == null ? null
                : new HealthChecker(settings.healthCheck(), settings.ticker(), bindProbe(settings.healthCheck().probe()), this);
        this.retryBudget = new RetryBudget(settings.retryBudgetRatio(), settings.retryBudgetMinPerSecond(), RETRY_BUDGET_WINDOW.toNanos());
    }

    private io.agentorchestrator.api.HealthProbe bindProbe(io.agentorchestrator.api.HealthProbe probe) {
        if (probe instanceof io.agentorchestrator.core.internal.health.PingProbe ping) {
            return ping.bind(settings.transports());
        }
        return probe;
    }

    /**
     * Gives an agent incarnation a fresh breaker and rate limiter under {@code with}, and a newly
     * registered agent its outlier detector; called by the registry before it publishes it.
     */
    private void attachGuards(AgentState agent, LiveSettings with) {
        OutlierDetector outlier = agent.outlier() != null || settings.outlierDetection() == null ? agent.outlier()
                : new OutlierDetector(settings.outlierDetection());
        String id = agent.id();
        CircuitBreaker breaker = with.circuitBreaker() == null ? null
                : new CircuitBreaker(with.circuitBreaker(), settings.ticker().read(), (from, to, reason) -> onCircuit(id, from, to, reason));
        RateLimitConfig limit = with.agentRateLimit();
        agent.guards(breaker, outlier, limit == null ? null : new TokenBucket(limit.permitsPerSecond(), limit.burst()));
    }

    private void onCircuit(String agentId, CircuitState from, CircuitState to, String reason) {
        if (to == CircuitState.OPEN) {
            log.warn("Circuit of agent {} is now OPEN (was {}): {}", agentId, from, reason);
        } else {
            log.info("Circuit of agent {} is now {} (was {}): {}", agentId, to, from, reason);
        }
        if (observed()) {
            emit(new OrchestratorEvent.CircuitStateChanged(now(), agentId, from, to, reason));
        }
    }

    /** Starts watching the transports' agent directories; called once by the builder. */
    public DefaultOrchestrator start() {
        startHealthTick();
        if (autoScaler != null) {
            long every = settings.scalingPolicy().evaluationInterval().toNanos();
            timer().scheduleWithFixedDelay(this::evaluateScaling, every, every, TimeUnit.NANOSECONDS);
        }
        if (!settings.watchDirectories()) {
            return this;
        }
        Set<Transport> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        boolean watching = false;
        for (Transport transport : settings.transports().values()) {
            if (seen.add(transport) && transport.directory().isPresent()) {
                watching = true;
                watch(transport.directory().get(), transport.scheme(), 0);
            }
        }
        if (watching) {
            timer().scheduleWithFixedDelay(this::sweepLeases, LEASE_SWEEP_INTERVAL.toNanos(), LEASE_SWEEP_INTERVAL.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
        return this;
    }

    /** First delay before trying again to watch a directory whose broker could not be reached. */
    static final Duration WATCH_RETRY_BASE = Duration.ofMillis(200);
    /** Longest delay between attempts to watch a directory. */
    static final Duration WATCH_RETRY_MAX = Duration.ofSeconds(10);

    /**
     * Watches a directory, and when its broker cannot be reached keeps trying in the background
     * with a growing delay: an orchestrator built while its broker is down still starts, and finds
     * the agents once the broker is back.
     */
    private void watch(io.agentorchestrator.api.AgentDirectory directory, String scheme, int failures) {
        if (state != RUNNING) {
            return;
        }
        Transport.Listener watch;
        try {
            watch = directory.watch(new DirectoryWatcher());
        } catch (RuntimeException e) {
            long delay = Math.min(WATCH_RETRY_MAX.toMillis(), WATCH_RETRY_BASE.toMillis() << Math.min(failures, 6));
            if (failures == 0) {
                log.warn("Cannot watch the {} agent directory yet ({}); retrying in the background", scheme, e.toString());
            }
            timer().schedule(() -> watch(directory, scheme, failures + 1), delay, TimeUnit.MILLISECONDS);
            return;
        }
        if (failures > 0) {
            log.info("Watching the {} agent directory after {} failed attempt(s)", scheme, failures);
        }
        watches.add(watch);
        // close() may have swept the watches meanwhile: do not leave this one open.
        if (state != RUNNING && watches.remove(watch)) {
            watch.close();
        }
    }

    /** Registers what a directory reports; runs on transport threads. */
    private final class DirectoryWatcher implements io.agentorchestrator.api.AgentDirectory.Watcher {
        @Override
        public void announced(AgentDescriptor agent, Duration ttl) {
            onAnnounced(agent, ttl);
        }

        @Override
        public void withdrawn(String agentId) {
            onWithdrawn(agentId);
        }
    }

    void onAnnounced(AgentDescriptor agent, Duration ttl) {
        if (state != RUNNING) {
            return;
        }
        if (!settings.transports().containsKey(agent.scheme())) {
            log.debug("Ignoring announced agent {}: no transport for scheme {}", agent.id(), agent.scheme());
            return;
        }
        long ttlNanos = toNanos(ttl);
        leases.put(agent.id(), new Lease(settings.ticker().read() + ttlNanos, ttlNanos));
        synchronized (leases) {
            // Serialised so two heartbeats racing cannot both try to register the same new agent.
            AgentState existing = registry.snapshot().byId.get(agent.id());
            try {
                if (existing == null) {
                    register(agent);
                } else if (!existing.descriptor().equals(agent)) {
                    update(agent);
                }
            } catch (AgentRegistrationException race) {
                // Registered or removed by hand meanwhile: the next heartbeat settles it.
                log.debug("Announced agent {} changed concurrently: {}", agent.id(), race.getMessage());
            } catch (OrchestratorClosedException closing) {
                return;
            }
        }
        if (lapsed.remove(agent.id())) {
            setStatus(agent.id(), AgentStatus.HEALTHY, "lease renewed");
        }
    }

    void onWithdrawn(String agentId) {
        leases.remove(agentId);
        lapsed.remove(agentId);
        deregister(agentId);
    }

    /**
     * Marks agents whose lease lapsed UNHEALTHY, and removes those silent for
     * {@code leaseGraceTtls} more TTLs: a crashed agent sends no withdrawal.
     */
    void sweepLeases() {
        long now = settings.ticker().read();
        for (var entry : leases.entrySet()) {
            String agentId = entry.getKey();
            Lease lease = entry.getValue();
            long overdue = now - lease.expiresAtNanos();
            if (overdue <= 0) {
                continue;
            }
            try {
                if (overdue > settings.leaseGraceTtls() * lease.ttlNanos()) {
                    if (leases.remove(agentId, lease)) {
                        lapsed.remove(agentId);
                        log.warn("Agent {} removed: no heartbeat for {} ms after its lease expired", agentId, overdue / 1_000_000);
                        deregister(agentId);
                    }
                } else if (lapsed.add(agentId) && registry.snapshot().byId.containsKey(agentId)) {
                    setStatus(agentId, AgentStatus.UNHEALTHY, "lease expired without a heartbeat");
                }
            } catch (RuntimeException e) {
                log.warn("Lease check of agent {} failed", agentId, e);
            }
        }
    }

    // ---------------------------------------------------------------- registry

    @Override
    public Agent register(AgentDescriptor agent) {
        ValidationException.requireNonNull(agent, "agent");
        requireOpen("register agent '" + agent.id() + "'");
        requireTransport(agent);
        AgentState state = registry.register(agent);
        if (state == null) {
            return registry.snapshot().byId.get(agent.id());
        }
        log.debug("Registered agent {} for {}", agent.id(), agent.capabilities());
        if (observed()) {
            emit(new OrchestratorEvent.AgentRegistered(now(), agent));
        }
        drain(agent.capabilities());
        return state;
    }

    @Override
    public Agent update(AgentDescriptor agent) {
        ValidationException.requireNonNull(agent, "agent");
        requireOpen("update agent '" + agent.id() + "'");
        requireTransport(agent);
        AgentDescriptor previous = registry.update(agent);
        if (observed()) {
            emit(new OrchestratorEvent.AgentUpdated(now(), previous, agent));
        }
        drain(agent.capabilities());
        return registry.snapshot().byId.get(agent.id());
    }

    @Override
    public boolean deregister(String agentId) {
        ValidationException.requireNonNull(agentId, "agentId");
        AgentState removed = registry.deregister(agentId);
        if (removed == null) {
            return false;
        }
        log.debug("Deregistered agent {}", agentId);
        stats.agentRemoved(agentId);
        if (observed()) {
            emit(new OrchestratorEvent.AgentDeregistered(now(), removed.descriptor()));
        }
        // Tasks waiting for this agent's capability may now have nowhere to go: let them find out.
        drain(removed.descriptor().capabilities());
        return true;
    }

    @Override
    public void setStatus(String agentId, AgentStatus status, String reason) {
        ValidationException.requireNonNull(agentId, "agentId");
        ValidationException.requireNonNull(status, "status");
        AgentState agent = registry.snapshot().byId.get(agentId);
        if (agent == null) {
            throw AgentRegistry.notRegistered(agentId);
        }
        AgentStatus previous = agent.status(status);
        if (previous != status) {
            log.info("Agent {} is now {} (was {}): {}", agentId, status, previous, reason);
            if (observed()) {
                emit(new OrchestratorEvent.AgentStatusChanged(now(), agentId, previous, status, reason == null ? "" : reason));
            }
            drain(agent.descriptor().capabilities());
        }
    }

    @Override
    public Optional<Agent> agent(String agentId) {
        return Optional.ofNullable(registry.snapshot().byId.get(agentId));
    }

    @Override
    public List<Agent> agents() {
        return List.copyOf(registry.snapshot().byId.values());
    }

    @Override
    public List<Agent> agents(String capability) {
        return List.copyOf(registry.snapshot().agents(capability));
    }

    private void requireTransport(AgentDescriptor agent) {
        if (!settings.transports().containsKey(agent.scheme())) {
            throw new AgentRegistrationException(agent.id(), "Agent '" + agent.id() + "' has endpoint '" + agent.endpoint()
                    + "' but no transport for scheme '" + agent.scheme() + "' is configured (configured: "
                    + String.join(", ", new TreeSet<>(settings.transports().keySet())) + "); add it with Orchestrator.builder().transport(...)");
        }
    }

    private void requireOpen(String action) {
        if (state != RUNNING) {
            throw new OrchestratorClosedException("Cannot " + action + ": the orchestrator is closed");
        }
    }

    // ---------------------------------------------------------------- dispatch

    @Override
    public CompletableFuture<TaskResult> dispatch(Task task) {
        ValidationException.requireNonNull(task, "task");
        int size = task.payload().size();
        if (size > settings.maxPayloadBytes()) {
            throw new ValidationException("payload", "must be at most " + settings.maxPayloadBytes() + " bytes (maxPayloadBytes)",
                    size);
        }
        if (resultCache != null && task.cacheable() && state == RUNNING) {
            return resultCache.get(task, this::dispatchNow);
        }
        return dispatchNow(task);
    }

    /** Dispatches a validated task, bypassing the result cache. */
    private CompletableFuture<TaskResult> dispatchNow(Task task) {
        long start = settings.ticker().read();
        long timeoutNanos = toNanos(task.timeout().orElse(settings.defaultTimeout()));
        if (task.deadline().isPresent()) {
            timeoutNanos = Math.min(timeoutNanos, toNanos(Duration.between(settings.clock().instant(), task.deadline().get())));
        }
        TaskExecution ex = new TaskExecution(task, start, timeoutNanos, wall.millis(start) + timeoutNanos / 1_000_000,
                sequence.getAndIncrement(), settings.maxAttempts(), task.preferredZone().orElse(settings.localZone()));
        if (state != RUNNING) {
            fail(ex, new OrchestratorClosedException("Task " + task.id() + " refused: the orchestrator is closed"));
            return ex.future;
        }
        if (timeoutNanos <= 0) {
            fail(ex, timeout(ex));
            return ex.future;
        }
        LiveSettings current = registry.snapshot().settings;
        TokenBucket limit = current.capabilityLimits().get(task.capability());
        if (limit != null && !limit.tryAcquire(start)) {
            RateLimitConfig config = current.capabilityRateLimits().get(task.capability());
            fail(ex, new RateLimitExceededException(task.capability(), "Task " + task.id() + " rejected: capability '" + task.capability()
                    + "' is limited to " + config.permitsPerSecond() + " tasks per second with a burst of " + config.burst()));
            return ex.future;
        }
        retryBudget.onRequest(start);
        ex.running = active.track(ex);
        ex.trace = tracer == null ? null : tracer.started(task);
        ex.future.onEnd(ending);
        // close() may have begun between the check above and the add: it must not miss this task.
        if (state != RUNNING) {
            fail(ex, new OrchestratorClosedException("Task " + task.id() + " refused: the orchestrator is closed"));
            return ex.future;
        }
        // The scheduler's time is System.nanoTime(): the start is that reading when the ticker is the system one.
        timeouts.arm(ex, timeoutNanos, wall.systemTicker() ? start : System.nanoTime());
        if (place(ex, false, start) == Placement.QUEUED) {
            enqueue(ex);
        } else if (settings.hedgeDelay() != null && isIdempotent(task) && settings.maxAttempts() > 1 && !ex.future.isEnded()) {
            timer().schedule(() -> hedge(ex), settings.hedgeDelay().toNanos(), TimeUnit.NANOSECONDS);
        }
        return ex.future;
    }

    /**
     * Tries to hand the task to an eligible agent now. Returns QUEUED when every agent that could
     * take it is at its max concurrency; fails the task when no agent could ever take it.
     */
    private Placement place(TaskExecution ex) {
        return place(ex, false, settings.ticker().read());
    }

    /**
     * @param hedge whether this is a hedged extra attempt: it goes to a free agent now or not at
     *              all, and never fails or queues the task
     * @param now   a ticker reading taken just before (a dispatch's start): the time of the
     *              eligibility checks, and the attempt's send time for its latency
     */
    private Placement place(TaskExecution ex, boolean hedge, long now) {
        // The balancer from the same snapshot as the agents: their weights and it change together.
        AgentRegistry.Snapshot snapshot = registry.snapshot();
        List<AgentState> agents = snapshot.agents(ex.task.capability());
        for (int picks = 0; picks < MAX_PICKS; picks++) {
            List<AgentState> eligible = eligible(agents, ex, now);
            if (eligible.isEmpty()) {
                break;
            }
            AgentState chosen = choose(eligible, ex, snapshot.settings.balancer());
            if (chosen == null) {
                return Placement.FAILED;
            }
            if (chosen.tryAcquire()) {
                long permit = admit(chosen, now);
                if (permit != CircuitBreaker.DENIED) {
                    // Checked again after the pick: an agent ejected or marked down meanwhile (often by
                    // another thread's failed attempt) must not get one more task.
                    if (chosen.status().acceptsTasks() && !chosen.isEjected(now)) {
                        send(ex, chosen, permit, now);
                        return Placement.SENT;
                    }
                    CircuitBreaker breaker = chosen.breaker();
                    if (breaker != null) {
                        breaker.release(permit);
                    }
                }
                chosen.release();
            }
        }
        if (hedge) {
            return Placement.QUEUED;
        }
        boolean waitable = false;
        long wake = Long.MAX_VALUE;
        for (AgentState a : agents) {
            if (isCandidate(a, ex, now)) {
                waitable = true;
                TokenBucket limiter = a.limiter();
                if (limiter != null && a.hasCapacity()) {
                    wake = Math.min(wake, limiter.nanosUntilAvailable(now));
                }
            }
        }
        if (waitable) {
            if (wake != Long.MAX_VALUE) {
                // Held back by a rate limit, not by a busy agent: no reply will free a slot, a token will.
                String capability = ex.task.capability();
                WaitQueue queue = queue(capability);
                if (queue.wakeScheduled.compareAndSet(false, true)) {
                    timer().schedule(() -> {
                        queue.wakeScheduled.set(false);
                        drain(capability);
                    }, Math.max(wake, 1_000_000L), TimeUnit.NANOSECONDS);
                }
            }
            return Placement.QUEUED;
        }
        failNoAgent(ex, agents, now);
        return Placement.FAILED;
    }

    /** Takes the chosen agent's breaker permit and rate-limit token; DENIED when either refuses. */
    private static long admit(AgentState agent, long now) {
        CircuitBreaker breaker = agent.breaker();
        long permit = breaker == null ? 0 : breaker.tryAcquire(now);
        if (permit == CircuitBreaker.DENIED) {
            return permit;
        }
        TokenBucket limiter = agent.limiter();
        if (limiter != null && !limiter.tryAcquire(now)) {
            if (breaker != null) {
                breaker.release(permit);
            }
            return CircuitBreaker.DENIED;
        }
        return permit;
    }

    /**
     * The agents that may take the task now; the snapshot list itself when all may (no
     * allocation). When some are in the task's preferred zone, only those.
     */
    private List<AgentState> eligible(List<AgentState> agents, TaskExecution ex, long now) {
        int n = agents.size();
        String zone = ex.zone;
        int count = 0;
        int inZone = 0;
        for (int i = 0; i < n; i++) {
            AgentState a = agents.get(i);
            if (isEligible(a, ex, now)) {
                count++;
                if (zone != null && zone.equals(a.descriptor().zone())) {
                    inZone++;
                }
            }
        }
        boolean narrow = inZone > 0 && inZone < count;
        int size = narrow ? inZone : count;
        if (size == n) {
            return agents;
        }
        if (size == 0) {
            return List.of();
        }
        List<AgentState> eligible = new ArrayList<>(size);
        for (int i = 0; i < n; i++) {
            AgentState a = agents.get(i);
            if (isEligible(a, ex, now) && (!narrow || zone.equals(a.descriptor().zone()))) {
                eligible.add(a);
            }
        }
        return eligible.isEmpty() ? List.of() : eligible;
    }

    private static boolean isEligible(AgentState a, TaskExecution ex, long now) {
        return a.hasCapacity() && a.rateAllows(now) && isCandidate(a, ex, now);
    }

    /**
     * Could take the task if it had a free slot and a rate-limit token: routable, not ejected, its
     * circuit letting calls through, meets the requirements, not tried.
     */
    private static boolean isCandidate(AgentState a, TaskExecution ex, long now) {
        return a.status().acceptsTasks() && !a.isEjected(now) && a.breakerPermits(now) && meetsRequirements(a, ex.task)
                && !ex.tried(a.id());
    }

    private static boolean meetsRequirements(AgentState a, Task task) {
        Map<String, String> required = task.requirements();
        if (required.isEmpty()) {
            return true;
        }
        Map<String, String> metadata = a.descriptor().metadata();
        for (Map.Entry<String, String> r : required.entrySet()) {
            if (!r.getValue().equals(metadata.get(r.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Asks the balancer, and does not trust it: an exception or a foreign agent fails the task clearly. */
    private AgentState choose(List<AgentState> eligible, TaskExecution ex, Balancer balancer) {
        Agent picked;
        try {
            picked = balancer.pick(eligible, ex.task);
        } catch (RuntimeException e) {
            fail(ex, new OrchestratorException("Balancer " + balancer + " threw while placing task " + ex.task.id(), e));
            return null;
        }
        for (int i = 0, n = eligible.size(); i < n; i++) {
            if (eligible.get(i) == picked) {
                return eligible.get(i);
            }
        }
        fail(ex, new OrchestratorException("Balancer " + balancer + " returned "
                + (picked == null ? "null" : "agent '" + picked.id() + "'") + ", which is not one of the " + eligible.size()
                + " candidates it was given for task " + ex.task.id()));
        return null;
    }

    private void failNoAgent(TaskExecution ex, List<AgentState> agents, long now) {
        if (ex.lastError != null) {
            // Every agent that could take it was tried: the last failure says most about why.
            fail(ex, ex.lastError);
            return;
        }
        int unhealthy = 0;
        int draining = 0;
        int mismatched = 0;
        int circuitOpen = 0;
        int ejected = 0;
        for (AgentState a : agents) {
            if (a.status() == AgentStatus.UNHEALTHY) {
                unhealthy++;
            } else if (a.status() == AgentStatus.DRAINING) {
                draining++;
            } else if (!a.breakerPermits(now)) {
                circuitOpen++;
            } else if (a.isEjected(now)) {
                ejected++;
            } else if (!meetsRequirements(a, ex.task)) {
                mismatched++;
            }
        }
        StringBuilder detail = new StringBuilder();
        if (unhealthy > 0) {
            detail.append(unhealthy).append(" unhealthy");
        }
        if (draining > 0) {
            detail.append(detail.length() > 0 ? ", " : "").append(draining).append(" draining");
        }
        if (circuitOpen > 0) {
            detail.append(detail.length() > 0 ? ", " : "").append(circuitOpen).append(" circuit open");
        }
        if (ejected > 0) {
            detail.append(detail.length() > 0 ? ", " : "").append(ejected).append(" ejected");
        }
        if (mismatched > 0) {
            detail.append(detail.length() > 0 ? ", " : "").append(mismatched).append(" without the required metadata ")
                    .append(ex.task.requirements());
        }
        if (agents.isEmpty()) {
            Set<String> known = new TreeSet<>(registry.snapshot().byCapability.keySet());
            detail.append(known.isEmpty() ? "no agents are registered" : "known capabilities: " + String.join(", ", known));
        }
        fail(ex, new NoAgentAvailableException(ex.task.capability(), agents.size(), detail.toString()));
    }

    private void enqueue(TaskExecution ex) {
        ex.current = null;
        String capability = ex.task.capability();
        WaitQueue queue = queue(capability);
        if (!queue.offer(ex)) {
            fail(ex, new TaskRejectedException(capability, "Task " + ex.task.id() + " rejected: every agent for capability '"
                    + capability + "' is at its max concurrency and " + queue.size() + " tasks are already waiting (maxQueuedTasks "
                    + queue.capacity() + ")"));
            return;
        }
        drain(capability);
    }

    private WaitQueue queue(String capability) {
        return queues.computeIfAbsent(capability, c -> new WaitQueue(settings.maxQueuedTasks()));
    }

    private void drain(Set<String> capabilities) {
        // Runs after every reply: no iterator over the capabilities while no task ever had to wait.
        if (queues.isEmpty()) {
            return;
        }
        for (String capability : capabilities) {
            drain(capability);
        }
    }

    /** Places waiting tasks of a capability while agents have free slots. */
    private void drain(String capability) {
        WaitQueue queue = queues.get(capability);
        if (queue == null || queue.isEmpty() || queue.wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        for (;;) {
            TaskExecution ex;
            while ((ex = queue.poll()) != null) {
                if (ex.future.isEnded()) {
                    continue;
                }
                if (place(ex) == Placement.QUEUED) {
                    queue.putBack(ex);
                    break;
                }
            }
            missed = queue.wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /** @param sentAt the ticker reading the placement was decided at: the attempt's latency runs from it */
    private void send(TaskExecution ex, AgentState agent, long permit, long sentAt) {
        int attempt = ex.beginAttempt(agent);
        AgentDescriptor descriptor = agent.descriptor();
        Transport transport = agent.transport(settings.transports());
        TaskEnvelope envelope = TaskEnvelope.of(ex.task, ex.deadlineEpochMillis, attempt, null);
        TaskTracer.Attempt traced = tracer == null ? null : tracer.attempt(ex.trace, descriptor, envelope);
        if (traced != null) {
            envelope = traced.envelope();
        }
        if (observed()) {
            emit(new OrchestratorEvent.TaskDispatched(wall.instant(sentAt), ex.task.id(), ex.task.capability(), descriptor.id(), attempt));
        }
        ex.attemptsInFlight.incrementAndGet();
        CompletableFuture<ResultEnvelope> reply;
        try {
            reply = transport.send(descriptor, envelope);
            if (reply == null) {
                reply = CompletableFuture.failedFuture(new TransportException(transport.scheme(), descriptor.endpoint().toString(),
                        "Transport " + transport.scheme() + " returned no future for task " + ex.task.id()));
            }
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        ex.addReply(reply);
        if (ex.future.isEnded()) {
            reply.cancel(false);
        }
        reply.whenComplete((result, error) -> {
            if (traced != null) {
                // First, so the attempt's span ends before the task's, which onReply may end.
                traced.accept(result, error);
            }
            onReply(ex, agent, descriptor, attempt, sentAt, permit, result, error);
        });
    }

    private void onReply(TaskExecution ex, AgentState agent, AgentDescriptor descriptor, int attempt, long sentAt, long permit,
            ResultEnvelope result,
            Throwable error) {
        agent.release();
        int stillInFlight = ex.attemptsInFlight.decrementAndGet();
        try {
            long now = settings.ticker().read();
            long elapsed = now - sentAt;
            recordOutcome(agent, permit, countsAsFailure(ex, result, error), elapsed, now);
            if (ex.future.isEnded()) {
                if (error == null) {
                    lateReplies.increment();
                }
                return;
            }
            if (error == null && result.success()) {
                agent.recordSuccess(elapsed, now);
                stats.attemptEnded(descriptor.id(), elapsed, false, now);
                long latency = now - ex.startNanos;
                Duration taskLatency = Duration.ofNanos(latency);
                TaskResult taskResult = new TaskResult(ex.task.id(), ex.task.capability(), descriptor.id(), result.payload(), ex.attempts,
                        taskLatency);
                boolean completed = ex.future.complete(taskResult);
                if (completed) {
                    stats.taskCompleted(ex.task.capability(), latency, now);
                }
                if (observed()) {
                    // A first attempt runs from the dispatch's own reading: one Duration for both then.
                    Duration attemptLatency = elapsed == latency ? taskLatency : Duration.ofNanos(elapsed);
                    emit(completed
                            ? new OrchestratorEvent.TaskCompleted(wall.instant(now), ex.task.id(), ex.task.capability(), descriptor.id(),
                                    ex.attempts, taskLatency, attemptLatency)
                            : new OrchestratorEvent.AttemptCompleted(wall.instant(now), ex.task.id(), ex.task.capability(), descriptor.id(),
                                    attempt, attemptLatency, "success"));
                }
                return;
            }
            // Refused before it ran: the agent's slots are taken (by another orchestrator's tasks, say).
            boolean busy = error == null && ResultEnvelope.AGENT_BUSY.equals(result.errorCode());
            if (!busy) {
                agent.recordFailure();
            }
            OrchestratorException failure;
            boolean retryable;
            if (error != null) {
                Throwable cause = unwrap(error);
                if (cause instanceof CancellationException) {
                    return;
                }
                if (cause instanceof TransportException) {
                    failure = (TransportException) cause;
                    retryable = ((TransportException) cause).retryable();
                } else {
                    failure = new TransportException(descriptor.scheme(), descriptor.endpoint().toString(), "Sending task "
                            + ex.task.id() + " to agent '" + descriptor.id() + "' failed: " + cause, true, cause);
                    retryable = true;
                }
            } else {
                failure = new TaskFailedException(result.errorCode(), "Agent '" + descriptor.id() + "' failed task " + ex.task.id()
                        + " [" + result.errorCode() + "]: " + result.errorMessage(), result.retryable(), ex.task.id(), descriptor.id(), null);
                retryable = result.retryable();
            }
            ex.lastError = failure;
            stats.attemptEnded(descriptor.id(), elapsed, true, now);
            if (observed()) {
                emit(new OrchestratorEvent.AttemptCompleted(wall.instant(now), ex.task.id(), ex.task.capability(), descriptor.id(), attempt,
                        Duration.ofNanos(elapsed), failure.getClass().getSimpleName()));
            }
            if (stillInFlight > 0) {
                // A hedged attempt is still running: it may yet succeed, and decides what happens next.
                return;
            }
            if (busy && retryable && now - ex.deadlineNanos < 0 && state == RUNNING) {
                resendAfterBusy(ex, descriptor, failure, attempt, now);
                return;
            }
            if (retryable && ex.countedAttempts() < settings.maxAttempts() && now - ex.deadlineNanos < 0 && state != CLOSED) {
                retry(ex, descriptor, failure, now);
            } else {
                fail(ex, failure);
            }
        } finally {
            drain(descriptor.capabilities());
        }
    }

    /**
     * Tries the task again on an agent not tried yet, after a backoff with full jitter, if the
     * retry budget has room and the backoff ends before the deadline; else fails it with the
     * failure that ended the last attempt.
     */
    private void retry(TaskExecution ex, AgentDescriptor failed, OrchestratorException failure, long now) {
        if (!hasUntriedCandidate(ex, now)) {
            fail(ex, failure);
            return;
        }
        long delay = backoffNanos(ex.countedAttempts());
        if (now + delay - ex.deadlineNanos >= 0) {
            fail(ex, failure);
            return;
        }
        if (!retryBudget.tryRetry(now)) {
            retriesDenied.increment();
            log.debug("Not retrying task {}: the retry budget is used up", ex.task.id());
            fail(ex, failure);
            return;
        }
        retries.increment();
        if (observed()) {
            emit(new OrchestratorEvent.TaskRetried(now(), ex.task.id(), ex.task.capability(), failed.id(), ex.attempts,
                    failure.getMessage()));
        }
        ex.current = null;
        if (delay == 0) {
            retryNow(ex);
        } else {
            timer().schedule(() -> retryNow(ex), delay, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Sends a task again that an agent refused as busy before running it: not a failure of the
     * agent, and neither a retry for the budget nor an attempt for the limit, since the task never
     * ran. It goes again after a jittered wait that doubles with each refusal up to
     * {@link #BUSY_BACKOFF_MAX_NANOS}, to the same agent or another, until its deadline; a wait
     * that would pass the deadline fails it with the refusal.
     */
    private void resendAfterBusy(TaskExecution ex, AgentDescriptor refusedBy, OrchestratorException failure, int attempt, long now) {
        ex.refusedBusy(attempt);
        long ceiling = Math.min(BUSY_BACKOFF_MAX_NANOS, BUSY_BACKOFF_BASE_NANOS << Math.min(ex.refusedBusy - 1, 16));
        long delay = ThreadLocalRandom.current().nextLong(ceiling + 1);
        if (now + delay - ex.deadlineNanos >= 0) {
            fail(ex, failure);
            return;
        }
        busyResends.increment();
        if (observed()) {
            emit(new OrchestratorEvent.TaskRetried(now(), ex.task.id(), ex.task.capability(), refusedBy.id(), ex.attempts,
                    failure.getMessage()));
        }
        ex.current = null;
        timer().schedule(() -> retryNow(ex), delay, TimeUnit.NANOSECONDS);
    }

    /** First wait before sending again a task an agent refused as busy. */
    static final long BUSY_BACKOFF_BASE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Longest wait between two sends of a task agents keep refusing as busy. */
    static final long BUSY_BACKOFF_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Sends again of tasks that an agent refused as busy, since start. */
    public long busyResends() {
        return busyResends.sum();
    }

    /** Whether the caller marked the task safe to run twice (header {@value Orchestrator#IDEMPOTENT_HEADER}: true). */
    private static boolean isIdempotent(Task task) {
        return "true".equalsIgnoreCase(task.headers().get(Orchestrator.IDEMPOTENT_HEADER));
    }

    /**
     * Sends a second attempt of a slow idempotent task to another free agent; the first answer
     * wins and the other attempt is cancelled. Only while the first attempt is still running, the
     * deadline is not past and the retry budget allows it.
     */
    private void hedge(TaskExecution ex) {
        long now = settings.ticker().read();
        if (ex.future.isEnded() || state != RUNNING || ex.attemptsInFlight.get() != 1 || ex.attempts != 1 || now - ex.deadlineNanos >= 0
                || !hasUntriedCandidate(ex, now) || !retryBudget.tryRetry(now)) {
            return;
        }
        if (place(ex, true, now) == Placement.SENT) {
            hedges.increment();
            AgentState hedgedOn = ex.current;
            if (observed() && hedgedOn != null) {
                emit(new OrchestratorEvent.TaskHedged(now(), ex.task.id(), ex.task.capability(), hedgedOn.id(), ex.attempts));
            }
            log.debug("Hedged task {} after {} ms", ex.task.id(), settings.hedgeDelay().toMillis());
        }
    }

    /** The balancer in force now: the one it was built with, or the last one {@link #reconfigure} set. */
    public Balancer balancer() {
        return registry.snapshot().settings.balancer();
    }

    /** The settings it was built with; for tests and tools that check what a configuration produced. */
    public OrchestratorSettings settings() {
        return settings;
    }

    /** Hedged second attempts sent since start. */
    public long hedges() {
        return hedges.sum();
    }

    private void retryNow(TaskExecution ex) {
        if (!ex.future.isEnded() && place(ex) == Placement.QUEUED) {
            enqueue(ex);
        }
    }

    private boolean hasUntriedCandidate(TaskExecution ex, long now) {
        for (AgentState a : registry.snapshot().agents(ex.task.capability())) {
            if (isCandidate(a, ex, now)) {
                return true;
            }
        }
        return false;
    }

    /** Full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
    private long backoffNanos(int attempt) {
        long ceiling = backoffCeilingNanos(attempt, settings.retryBackoffBase().toNanos(), settings.retryBackoffMax().toNanos());
        return ceiling == 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
    }

    /** The longest wait before the retry that follows attempt {@code attempt}: base doubled per retry, at most max. */
    static long backoffCeilingNanos(int attempt, long baseNanos, long maxNanos) {
        if (baseNanos <= 0) {
            return 0;
        }
        return Math.min(maxNanos, baseNanos << Math.min(Math.max(attempt - 1, 0), 20));
    }

    /**
     * Whether an attempt's outcome counts against the agent for its breaker and outlier
     * detection: TRUE for transport errors, timeouts and retryable agent failures other than
     * "busy"; FALSE for results and business failures (the agent answered); null when unknown
     * (the attempt was cancelled for another reason).
     */
    private static Boolean countsAsFailure(TaskExecution ex, ResultEnvelope result, Throwable error) {
        if (error == null) {
            return !result.success() && result.retryable() && !ResultEnvelope.AGENT_BUSY.equals(result.errorCode());
        }
        Throwable cause = unwrap(error);
        if (cause instanceof CancellationException) {
            return ex.timedOut ? Boolean.TRUE : null;
        }
        if (cause instanceof TransportException te) {
            return te.retryable() ? Boolean.TRUE : null;
        }
        return Boolean.TRUE;
    }

    private void recordOutcome(AgentState agent, long permit, Boolean failed, long elapsed, long now) {
        CircuitBreaker breaker = agent.breaker();
        if (breaker != null) {
            if (failed == null) {
                breaker.release(permit);
            } else {
                breaker.onResult(permit, failed, elapsed, now);
            }
        }
        OutlierDetector outlier = agent.outlier();
        if (outlier != null && failed != null) {
            String reason = outlier.onResult(failed);
            if (reason != null) {
                eject(agent, outlier, reason, now);
            }
        }
    }

    /** Ejects the agent unless that would take more than the allowed share of one of its capabilities' agents out. */
    private void eject(AgentState agent, OutlierDetector outlier, String reason, long now) {
        OutlierDetectionConfig config = settings.outlierDetection();
        OutlierDetector.Ejection ejection;
        synchronized (ejections) {
            if (outlier.isEjected(now)) {
                return;
            }
            AgentRegistry.Snapshot snapshot = registry.snapshot();
            for (String capability : agent.descriptor().capabilities()) {
                List<AgentState> pool = snapshot.agents(capability);
                int out = 0;
                for (AgentState a : pool) {
                    if (a.isEjected(now)) {
                        out++;
                    }
                }
                int max = Math.max(1, pool.size() * config.maxEjectionPercent() / 100);
                if (out + 1 > max) {
                    log.debug("Not ejecting agent {} ({}): {} of {} agents for {} are ejected already (maxEjectionPercent {})", agent.id(),
                            reason, out, pool.size(), capability, config.maxEjectionPercent());
                    return;
                }
            }
            ejection = outlier.eject(now);
        }
        if (ejection == null) {
            return;
        }
        log.warn("Agent {} ejected for {} ms (ejection {}): {}", agent.id(), ejection.duration().toMillis(), ejection.number(), reason);
        if (observed()) {
            emit(new OrchestratorEvent.AgentEjected(now(), agent.id(), ejection.number(), ejection.duration(), reason));
        }
    }

    // ---------------------------------------------------------------- live reconfiguration

    @Override
    public void reconfigure(io.agentorchestrator.core.config.Reconfiguration change) {
        ValidationException.requireNonNull(change, "change");
        requireOpen("reconfigure");
        List<String> lines;
        synchronized (reconfiguring) {
            AgentRegistry.Snapshot current = registry.snapshot();
            LiveSettings.Next next = current.settings.apply(change);
            LiveSettings.requireRegistered(current.byId, change.weights());
            lines = new ArrayList<>(next.changes());
            // One snapshot carries the new settings, weights and guards: a pick sees all of them or none.
            List<AgentRegistry.Reweighed> reweighed = registry.reconfigure(next.settings(), change.weights(), next.guardsChanged());
            if (next.guardsChanged()) {
                startHealthTick();
            }
            if (next.healthChanged()) {
                healthChecker.reconfigure(next.settings().healthCheck(), bindProbe(next.settings().healthCheck().probe()));
            }
            for (AgentRegistry.Reweighed r : reweighed) {
                lines.add("weight[" + r.current().id() + "]: " + r.previous().weight() + " -> " + r.current().weight());
                if (observed()) {
                    emit(new OrchestratorEvent.AgentUpdated(now(), r.previous(), r.current()));
                }
            }
        }
        if (lines.isEmpty()) {
            return;
        }
        log.info("Configuration changed{}: {}", change.reason().isEmpty() ? "" : " (" + change.reason() + ")", lines);
        if (observed()) {
            emit(new OrchestratorEvent.ConfigurationChanged(now(), lines, change.reason()));
        }
        // Looser limits or fresh breakers may let waiting tasks go now.
        drain(queues.keySet());
    }

    // ---------------------------------------------------------------- auto-scaling signals

    /**
     * Computes every capability's desired agent count now, and reports the counts that changed
     * (event, hook). Runs on the timer every evaluation interval; tests call it after moving the
     * fake ticker. A no-op when auto-scaling signals are off.
     */
    public void evaluateScaling() {
        if (autoScaler != null && state == RUNNING) {
            autoScaler.run(ScalingLoads.read(registry.snapshot(), queues), d -> {
                if (observed()) {
                    emit(new OrchestratorEvent.ScalingRecommended(now(), d.capability(), d.currentAgents(), d.desiredAgents(), d.reason()));
                }
            });
        }
    }

    @Override
    public java.util.OptionalInt desiredAgents(String capability) {
        return autoScaler == null || capability == null ? java.util.OptionalInt.empty() : autoScaler.desired(capability);
    }

    // ---------------------------------------------------------------- health

    /** Schedules the health round once something needs it; a reconfiguration may turn breakers on later. */
    private void startHealthTick() {
        long tick = healthTickNanos();
        if (tick > 0 && healthTicking.compareAndSet(false, true)) {
            healthTimer().scheduleWithFixedDelay(this::healthTick, tick, tick, TimeUnit.NANOSECONDS);
        }
    }

    /** How often health checks and guard sweeps run; 0 when nothing needs them. */
    private long healthTickNanos() {
        long tick = Long.MAX_VALUE;
        LiveSettings current = registry.snapshot().settings;
        if (current.healthCheck() != null) {
            tick = Math.min(current.healthCheck().interval().toNanos(), current.healthCheck().timeout().toNanos()) / 10;
        }
        if (settings.outlierDetection() != null) {
            tick = Math.min(tick, settings.outlierDetection().baseEjectionTime().toNanos() / 10);
        }
        if (current.circuitBreaker() != null) {
            tick = Math.min(tick, current.circuitBreaker().maxWaitInHalfOpen().toNanos() / 10);
        }
        if (tick == Long.MAX_VALUE) {
            return 0;
        }
        return Math.max(HEALTH_TICK_MIN.toNanos(), Math.min(HEALTH_TICK_MAX.toNanos(), tick));
    }

    /** Shortest period of the health round. */
    static final Duration HEALTH_TICK_MIN = Duration.ofMillis(5);
    /** Longest period of the health round. */
    static final Duration HEALTH_TICK_MAX = Duration.ofSeconds(1);

    /**
     * One round of health work on the health scheduler: starts the probes that are due, times out
     * those that took too long, reinstates agents whose ejection is over and re-opens half-open
     * breakers whose trials did not complete in time. Tests call it after moving the fake ticker.
     */
    public void healthTick() {
        if (state != RUNNING) {
            return;
        }
        try {
            if (healthChecker != null) {
                healthChecker.runDue();
            }
            sweepGuards();
        } catch (RuntimeException e) {
            log.warn("A round of health checks failed; carrying on", e);
        }
    }

    private void sweepGuards() {
        long now = settings.ticker().read();
        for (AgentState a : registry.snapshot().byId.values()) {
            OutlierDetector outlier = a.outlier();
            if (outlier != null && outlier.reinstate(now, false)) {
                reinstated(a, "ejection time over");
            }
            CircuitBreaker breaker = a.breaker();
            if (breaker != null) {
                breaker.sweep(now);
            }
        }
    }

    private void reinstated(AgentState agent, String reason) {
        log.info("Agent {} is back in rotation: {}", agent.id(), reason);
        if (observed()) {
            emit(new OrchestratorEvent.AgentReinstated(now(), agent.id(), reason));
        }
        drain(agent.descriptor().capabilities());
    }

    /** Agents in the current snapshot, for the health checker. */
    java.util.Collection<AgentState> registeredAgents() {
        return registry.snapshot().byId.values();
    }

    /** The health checker saw {@code unhealthyThreshold} failures in a row. Returns whether it changed the status. */
    boolean probeFailed(AgentState agent, String detail) {
        if (agent.status() != AgentStatus.HEALTHY || !agent.sameAgent(registry.snapshot().byId.get(agent.id()))) {
            return false;
        }
        try {
            setStatus(agent.id(), AgentStatus.UNHEALTHY, "health check failed: " + detail);
            return true;
        } catch (io.agentorchestrator.api.AgentRegistrationException gone) {
            return false;
        }
    }

    /**
     * The health checker saw {@code healthyThreshold} passes in a row: ends an ejection, and makes
     * an agent the checker itself marked UNHEALTHY healthy again.
     */
    void probePassed(AgentState agent, boolean markedByProbe, String detail) {
        if (!agent.sameAgent(registry.snapshot().byId.get(agent.id()))) {
            return;
        }
        OutlierDetector outlier = agent.outlier();
        if (outlier != null && outlier.reinstate(settings.ticker().read(), true)) {
            reinstated(agent, "health check passed");
        }
        if (markedByProbe && agent.status() == AgentStatus.UNHEALTHY) {
            try {
                setStatus(agent.id(), AgentStatus.HEALTHY, "health check passed: " + detail);
            } catch (io.agentorchestrator.api.AgentRegistrationException gone) {
                // Removed meanwhile: nothing to recover.
            }
        }
    }

    /** The active health checker, or null when health checks are off; for tests. */
    HealthChecker healthChecker() {
        return healthChecker;
    }

    /** Retries made since start. */
    public long retries() {
        return retries.sum();
    }

    /** Retries refused because the retry budget was used up. */
    public long retriesDenied() {
        return retriesDenied.sum();
    }

    private TaskTimeoutException timeout(TaskExecution ex) {
        AgentState holder = ex.current;
        return new TaskTimeoutException(ex.task.id(), ex.task.capability(), holder == null ? null : holder.id(),
                Duration.ofNanos(ex.timeoutNanos), ex.attempts);
    }

    private void fail(TaskExecution ex, OrchestratorException error) {
        if (!ex.future.completeExceptionally(error)) {
            return;
        }
        stats.taskFailed(ex.task.capability());
        if (observed()) {
            AgentState last = ex.current;
            emit(new OrchestratorEvent.TaskFailed(now(), ex.task.id(), ex.task.capability(), last == null ? null : last.id(),
                    ex.attempts, error, Duration.ofNanos(Math.max(0, settings.ticker().read() - ex.startNanos))));
        }
    }

    /** Runs once each task's future completed, after the caller's own callbacks. */
    private final TaskExecution.Ending ending = this::ended;

    private void ended(TaskExecution ex, TaskResult result, Throwable error) {
        Object trace = ex.trace;
        if (trace != null) {
            // The task's trace ends before the attempts still running are cancelled below.
            tracer.ended(trace, result, error);
        }
        cleanUp(ex);
    }

    private void cleanUp(TaskExecution ex) {
        var handle = ex.timeoutHandle;
        if (handle != null) {
            handle.cancel(false);
        }
        // The attempts still running (a hedged task's loser, a timed-out attempt) are cancelled.
        CompletableFuture<ResultEnvelope> reply;
        while ((reply = ex.pollReply()) != null) {
            if (!reply.isDone()) {
                reply.cancel(false);
            }
        }
        // Last: once tasksInFlight() no longer counts the task, its attempts are cancelled.
        active.untrack(ex.running);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static long toNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
    }

    private ScheduledExecutorService timer() {
        ScheduledExecutorService t = timer;
        if (t == null) {
            synchronized (lifecycle) {
                t = timer;
                if (t == null) {
                    int id = TIMER_IDS.incrementAndGet();
                    ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1, r -> {
                        Thread thread = new Thread(r, "orchestrator-timer-" + id);
                        thread.setDaemon(true);
                        return thread;
                    });
                    // Most timeouts are cancelled because the task completed: do not let them pile up.
                    stpe.setRemoveOnCancelPolicy(true);
                    timer = t = stpe;
                }
            }
        }
        return t;
    }

    private ScheduledExecutorService healthTimer() {
        ScheduledExecutorService t = healthTimer;
        if (t == null) {
            synchronized (lifecycle) {
                t = healthTimer;
                if (t == null) {
                    int id = TIMER_IDS.incrementAndGet();
                    ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1, r -> {
                        Thread thread = new Thread(r, "orchestrator-health-" + id);
                        thread.setDaemon(true);
                        return thread;
                    });
                    stpe.setRemoveOnCancelPolicy(true);
                    healthTimer = t = stpe;
                }
            }
        }
        return t;
    }

    /** Replies that arrived after their task had already ended (timed out, closed); dropped. */
    public long lateReplies() {
        return lateReplies.sum();
    }

    // ---------------------------------------------------------------- observability

    @Override
    public io.agentorchestrator.core.ResultCacheStats resultCacheStats() {
        return resultCache == null ? io.agentorchestrator.core.ResultCacheStats.NONE : resultCache.stats();
    }

    @Override
    public int tasksInFlight() {
        return active.size();
    }

    @Override
    public int queuedTasks(String capability) {
        WaitQueue queue = capability == null ? null : queues.get(capability);
        return queue == null ? 0 : queue.size();
    }

    @Override
    public io.agentorchestrator.core.EventStream events() {
        return events;
    }

    @Override
    public io.agentorchestrator.core.stats.StatsSnapshot stats() {
        return stats.snapshot();
    }

    /** Starts the admin server, closed with this orchestrator; on failure closes the orchestrator and rethrows. */
    public DefaultOrchestrator startAdminServer(io.agentorchestrator.core.admin.AdminServerConfig config) {
        return startAdminServer(this, config);
    }

    /**
     * Like {@link #startAdminServer(io.agentorchestrator.core.admin.AdminServerConfig)}, the API
     * acting on {@code facade}: the orchestrator the host sees (with security on, the guarded one,
     * so admin calls pass the access policy, the limits and the audit).
     */
    public DefaultOrchestrator startAdminServer(Orchestrator facade, io.agentorchestrator.core.admin.AdminServerConfig config) {
        try {
            adminServer = io.agentorchestrator.core.admin.AdminServer.start(facade, config);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    @Override
    public Optional<io.agentorchestrator.core.admin.AdminServer> adminServer() {
        return Optional.ofNullable(adminServer);
    }

    // ---------------------------------------------------------------- events

    @Override
    public void addListener(OrchestratorListener listener) {
        ValidationException.requireNonNull(listener, "listener");
        synchronized (listeners) {
            listeners.add(listener);
            listenerArray = listeners.toArray(new OrchestratorListener[0]);
        }
    }

    @Override
    public boolean removeListener(OrchestratorListener listener) {
        synchronized (listeners) {
            boolean removed = listeners.remove(listener);
            listenerArray = listeners.toArray(new OrchestratorListener[0]);
            return removed;
        }
    }

    private boolean observed() {
        return listenerArray.length != 0 || streaming;
    }

    private Instant now() {
        return settings.clock().instant();
    }

    private void emit(OrchestratorEvent event) {
        for (OrchestratorListener listener : listenerArray) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException | Error e) {
                log.warn("Listener {} threw on {}; carrying on", listener, event.getClass().getSimpleName(), e);
            }
        }
        if (streaming) {
            // Never throws: it only buffers the event (or counts it dropped) per subscriber.
            events.onEvent(event);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (state != RUNNING) {
                return;
            }
            state = CLOSING;
        }
        if (adminServer != null) {
            adminServer.close();
        }
        for (Transport.Listener watch : watches) {
            try {
                watch.close();
            } catch (RuntimeException e) {
                log.warn("Failed to stop watching an agent directory", e);
            }
        }
        int inFlight = active.size();
        log.info("Closing orchestrator: {} task(s) in flight, waiting up to {} ms", inFlight, settings.shutdownTimeout().toMillis());
        if (inFlight > 0) {
            CompletableFuture<?>[] pending = active.stream().map(e -> e.future).toArray(CompletableFuture[]::new);
            try {
                CompletableFuture.allOf(pending).get(toNanos(settings.shutdownTimeout()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // Timeout: the rest is failed below. Execution: some task failed, which is its caller's business.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        state = CLOSED;
        int cut = 0;
        for (TaskExecution ex : active) {
            if (!ex.future.isEnded()) {
                cut++;
                fail(ex, new OrchestratorClosedException("Task " + ex.task.id() + " for capability '" + ex.task.capability()
                        + "' did not complete before the orchestrator closed (shutdownTimeout " + settings.shutdownTimeout().toMillis()
                        + " ms)"));
            }
        }
        if (cut > 0) {
            log.warn("Closed orchestrator with {} unfinished task(s); their futures failed with OrchestratorClosedException", cut);
        }
        for (Transport transport : settings.ownedTransports()) {
            try {
                transport.close();
            } catch (RuntimeException e) {
                log.warn("Transport {} failed to close", transport.scheme(), e);
            }
        }
        ScheduledExecutorService ht = healthTimer;
        if (settings.healthScheduler() == null && ht != null) {
            ht.shutdownNow();
            try {
                ht.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (settings.scheduler() == null && timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Last, so subscribers see the failures of the tasks cut short above before they complete.
        events.close(1000);
        for (OrchestratorListener listener : listenerArray) {
            try {
                listener.onClose();
            } catch (RuntimeException | Error e) {
                log.warn("Listener {} threw on close; carrying on", listener, e);
            }
        }
        log.info("Orchestrator closed");
    }
}
