package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentRegistrationException;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.NoAgentAvailableException;
import io.agentorchestrator.api.OrchestratorClosedException;
import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.OrchestratorException;
import io.agentorchestrator.api.OrchestratorListener;
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
    private final Balancer balancer;
    private final AgentRegistry registry;
    private final CopyOnWriteArrayList<OrchestratorListener> listeners;
    private final ConcurrentHashMap<String, WaitQueue> queues = new ConcurrentHashMap<>();
    private final Set<TaskExecution> active = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder lateReplies = new LongAdder();
    private final Object lifecycle = new Object();
    private volatile int state = RUNNING;
    private volatile ScheduledExecutorService timer;

    /** How often leases of directory-announced agents are checked. */
    static final Duration LEASE_SWEEP_INTERVAL = Duration.ofMillis(500);
    /** After its lease lapses an agent is UNHEALTHY; after this many more TTLs it is removed. */
    static final int LEASE_GRACE_TTLS = 2;

    private record Lease(long expiresAtNanos, long ttlNanos) {
    }

    private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
    private final Set<String> lapsed = ConcurrentHashMap.newKeySet();
    private final List<Transport.Listener> watches = new CopyOnWriteArrayList<>();

    /** Creates the engine; starts no thread. */
    public DefaultOrchestrator(OrchestratorSettings settings) {
        this.settings = settings;
        this.balancer = settings.balancer();
        this.registry = new AgentRegistry(settings.latencyDecay().toNanos());
        this.listeners = new CopyOnWriteArrayList<>(settings.listeners());
        this.timer = settings.scheduler();
    }

    /** Starts watching the transports' agent directories; called once by the builder. */
    public DefaultOrchestrator start() {
        if (!settings.watchDirectories()) {
            return this;
        }
        Set<Transport> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Transport transport : settings.transports().values()) {
            if (seen.add(transport)) {
                transport.directory().ifPresent(directory -> {
                    watches.add(directory.watch(new DirectoryWatcher()));
                    timer().scheduleWithFixedDelay(this::sweepLeases, LEASE_SWEEP_INTERVAL.toNanos(), LEASE_SWEEP_INTERVAL.toNanos(),
                            TimeUnit.NANOSECONDS);
                });
            }
        }
        return this;
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
     * {@value #LEASE_GRACE_TTLS} more TTLs: a crashed agent sends no withdrawal.
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
                if (overdue > LEASE_GRACE_TTLS * lease.ttlNanos()) {
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
        long start = settings.ticker().read();
        long timeoutNanos = toNanos(task.timeout().orElse(settings.defaultTimeout()));
        if (task.deadline().isPresent()) {
            timeoutNanos = Math.min(timeoutNanos, toNanos(Duration.between(settings.clock().instant(), task.deadline().get())));
        }
        TaskExecution ex = new TaskExecution(task, start, timeoutNanos, settings.clock().millis() + timeoutNanos / 1_000_000,
                sequence.getAndIncrement(), settings.maxAttempts(), task.preferredZone().orElse(settings.localZone()));
        if (state != RUNNING) {
            fail(ex, new OrchestratorClosedException("Task " + task.id() + " refused: the orchestrator is closed"));
            return ex.future;
        }
        if (timeoutNanos <= 0) {
            fail(ex, timeout(ex));
            return ex.future;
        }
        active.add(ex);
        ex.future.whenComplete((r, e) -> cleanUp(ex));
        // close() may have begun between the check above and the add: it must not miss this task.
        if (state != RUNNING) {
            fail(ex, new OrchestratorClosedException("Task " + task.id() + " refused: the orchestrator is closed"));
            return ex.future;
        }
        ex.timeoutHandle = timer().schedule(() -> fail(ex, timeout(ex)), timeoutNanos, TimeUnit.NANOSECONDS);
        if (place(ex) == Placement.QUEUED) {
            enqueue(ex);
        }
        return ex.future;
    }

    /**
     * Tries to hand the task to an eligible agent now. Returns QUEUED when every agent that could
     * take it is at its max concurrency; fails the task when no agent could ever take it.
     */
    private Placement place(TaskExecution ex) {
        List<AgentState> agents = registry.snapshot().agents(ex.task.capability());
        for (int picks = 0; picks < MAX_PICKS; picks++) {
            List<AgentState> eligible = eligible(agents, ex);
            if (eligible.isEmpty()) {
                break;
            }
            AgentState chosen = choose(eligible, ex);
            if (chosen == null) {
                return Placement.FAILED;
            }
            if (chosen.tryAcquire()) {
                send(ex, chosen);
                return Placement.SENT;
            }
        }
        for (AgentState a : agents) {
            if (isCandidate(a, ex)) {
                return Placement.QUEUED;
            }
        }
        failNoAgent(ex, agents);
        return Placement.FAILED;
    }

    /**
     * The agents that may take the task now; the snapshot list itself when all may (no
     * allocation). When some are in the task's preferred zone, only those.
     */
    private List<AgentState> eligible(List<AgentState> agents, TaskExecution ex) {
        int n = agents.size();
        String zone = ex.zone;
        int count = 0;
        int inZone = 0;
        for (int i = 0; i < n; i++) {
            AgentState a = agents.get(i);
            if (isEligible(a, ex)) {
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
            if (isEligible(a, ex) && (!narrow || zone.equals(a.descriptor().zone()))) {
                eligible.add(a);
            }
        }
        return eligible.isEmpty() ? List.of() : eligible;
    }

    private static boolean isEligible(AgentState a, TaskExecution ex) {
        return a.hasCapacity() && isCandidate(a, ex);
    }

    /** Could take the task if it had a free slot: routable, meets the requirements, not tried. */
    private static boolean isCandidate(AgentState a, TaskExecution ex) {
        return a.status().acceptsTasks() && meetsRequirements(a, ex.task) && !ex.tried(a.id());
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
    private AgentState choose(List<AgentState> eligible, TaskExecution ex) {
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

    private void failNoAgent(TaskExecution ex, List<AgentState> agents) {
        if (ex.lastError != null) {
            // Every agent that could take it was tried: the last failure says most about why.
            fail(ex, ex.lastError);
            return;
        }
        int unhealthy = 0;
        int draining = 0;
        int mismatched = 0;
        for (AgentState a : agents) {
            if (a.status() == AgentStatus.UNHEALTHY) {
                unhealthy++;
            } else if (a.status() == AgentStatus.DRAINING) {
                draining++;
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
        WaitQueue queue = queues.computeIfAbsent(capability, c -> new WaitQueue(settings.maxQueuedTasks()));
        if (!queue.offer(ex)) {
            fail(ex, new TaskRejectedException(capability, "Task " + ex.task.id() + " rejected: every agent for capability '"
                    + capability + "' is at its max concurrency and " + queue.size() + " tasks are already waiting (maxQueuedTasks "
                    + queue.capacity() + ")"));
            return;
        }
        drain(capability);
    }

    private void drain(Set<String> capabilities) {
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
                if (ex.future.isDone()) {
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

    private void send(TaskExecution ex, AgentState agent) {
        int attempt = ex.beginAttempt(agent);
        AgentDescriptor descriptor = agent.descriptor();
        Transport transport = settings.transports().get(descriptor.scheme());
        TaskEnvelope envelope = TaskEnvelope.of(ex.task, ex.deadlineEpochMillis, attempt, null);
        if (observed()) {
            emit(new OrchestratorEvent.TaskDispatched(now(), ex.task.id(), ex.task.capability(), descriptor.id(), attempt));
        }
        long sentAt = settings.ticker().read();
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
        ex.attemptReply = reply;
        if (ex.future.isDone()) {
            reply.cancel(false);
        }
        reply.whenComplete((result, error) -> onReply(ex, agent, descriptor, sentAt, result, error));
    }

    private void onReply(TaskExecution ex, AgentState agent, AgentDescriptor descriptor, long sentAt, ResultEnvelope result,
            Throwable error) {
        agent.release();
        try {
            long elapsed = settings.ticker().read() - sentAt;
            if (ex.future.isDone()) {
                if (error == null) {
                    lateReplies.increment();
                }
                return;
            }
            if (error == null && result.success()) {
                agent.recordSuccess(elapsed, settings.ticker().read());
                TaskResult taskResult = new TaskResult(ex.task.id(), ex.task.capability(), descriptor.id(), result.payload(), ex.attempts,
                        Duration.ofNanos(settings.ticker().read() - ex.startNanos));
                if (ex.future.complete(taskResult) && observed()) {
                    emit(new OrchestratorEvent.TaskCompleted(now(), ex.task.id(), ex.task.capability(), descriptor.id(), ex.attempts,
                            taskResult.latency()));
                }
                return;
            }
            agent.recordFailure();
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
            if (retryable && ex.attempts < settings.maxAttempts() && settings.ticker().read() - ex.deadlineNanos < 0 && state != CLOSED) {
                if (observed()) {
                    emit(new OrchestratorEvent.TaskRetried(now(), ex.task.id(), ex.task.capability(), descriptor.id(), ex.attempts,
                            failure.getMessage()));
                }
                ex.current = null;
                if (place(ex) == Placement.QUEUED) {
                    enqueue(ex);
                }
            } else {
                fail(ex, failure);
            }
        } finally {
            drain(descriptor.capabilities());
        }
    }

    private TaskTimeoutException timeout(TaskExecution ex) {
        AgentState holder = ex.current;
        return new TaskTimeoutException(ex.task.id(), ex.task.capability(), holder == null ? null : holder.id(),
                Duration.ofNanos(ex.timeoutNanos), ex.attempts);
    }

    private void fail(TaskExecution ex, OrchestratorException error) {
        if (ex.future.completeExceptionally(error) && observed()) {
            AgentState last = ex.current;
            emit(new OrchestratorEvent.TaskFailed(now(), ex.task.id(), ex.task.capability(), last == null ? null : last.id(),
                    ex.attempts, error));
        }
    }

    private void cleanUp(TaskExecution ex) {
        active.remove(ex);
        var handle = ex.timeoutHandle;
        if (handle != null) {
            handle.cancel(false);
        }
        CompletableFuture<ResultEnvelope> reply = ex.attemptReply;
        if (reply != null && !reply.isDone()) {
            reply.cancel(false);
        }
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

    /** Replies that arrived after their task had already ended (timed out, closed); dropped. */
    public long lateReplies() {
        return lateReplies.sum();
    }

    // ---------------------------------------------------------------- events

    @Override
    public void addListener(OrchestratorListener listener) {
        listeners.add(ValidationException.requireNonNull(listener, "listener"));
    }

    @Override
    public boolean removeListener(OrchestratorListener listener) {
        return listeners.remove(listener);
    }

    private boolean observed() {
        return !listeners.isEmpty();
    }

    private Instant now() {
        return settings.clock().instant();
    }

    private void emit(OrchestratorEvent event) {
        for (OrchestratorListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException | Error e) {
                log.warn("Listener {} threw on {}; carrying on", listener, event.getClass().getSimpleName(), e);
            }
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
            if (!ex.future.isDone()) {
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
        if (settings.scheduler() == null && timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log.info("Orchestrator closed");
    }
}
