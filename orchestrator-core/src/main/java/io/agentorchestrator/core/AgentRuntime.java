package io.agentorchestrator.core;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentDirectory;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.internal.ProviderLookup;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts an {@link AgentHandler} on a transport: the agent side of the orchestrator. Receives the
 * tasks addressed to the agent's endpoint, runs the handler with bounded concurrency, and replies.
 *
 * <pre>{@code
 * AgentDescriptor planner = AgentDescriptor.builder("planner-1")
 *     .capability("route-planning").endpoint("inproc:planner-1").maxConcurrency(8).build();
 * try (AgentRuntime runtime = AgentRuntime.builder(planner)
 *         .transport("inproc:")
 *         .handler(task -> Payload.ofUtf8(plan(task.payload().asUtf8())))
 *         .start()) {
 *     ... // the orchestrator dispatches to it
 * }
 * }</pre>
 *
 * <p>Tasks beyond {@code maxConcurrency} are answered at once with a retryable
 * {@link ResultEnvelope#AGENT_BUSY}; tasks whose deadline has passed with
 * {@link ResultEnvelope#DEADLINE_EXCEEDED}, without running the handler. {@link #close()} drains:
 * it refuses new tasks (retryable {@link ResultEnvelope#AGENT_STOPPING}), waits for running ones
 * up to the grace period, then stops listening.
 *
 * <p>When the transport offers a shared {@link AgentDirectory}, the runtime announces its agent
 * at start and every heartbeat interval, and withdraws it on close, so that orchestrators
 * watching the directory register it without being told.
 */
public final class AgentRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentRuntime.class);

    /** How long {@link #close()} waits for running tasks. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
    /** How often the agent renews its lease in the transport's directory. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
    /** The lease announced is this many heartbeat intervals long, so one lost heartbeat is harmless. */
    public static final int LEASE_HEARTBEATS = 3;
    /** Most worker threads a runtime starts by itself; more concurrency than this queues for a thread. */
    public static final int MAX_OWN_THREADS = 256;

    private final AgentDescriptor agent;
    private final AgentHandler handler;
    private final Transport transport;
    private final boolean ownsTransport;
    private final Executor executor;
    /** The runtime's own pool, shut down on close; null when the host gave the executor. */
    private final ExecutorService ownExecutor;
    private final Clock clock;
    private final Duration drainTimeout;
    private final Semaphore permits;
    private final AtomicInteger running = new AtomicInteger();
    private final Object drained = new Object();
    private final Duration heartbeatInterval;
    private final boolean announce;
    /** Traces the handling of tasks; null when tracing is off. */
    private final io.agentorchestrator.core.internal.AgentTracer tracer;
    private volatile boolean stopping;
    private volatile Transport.Listener listener;
    private volatile ScheduledExecutorService heartbeats;
    private volatile boolean heartbeatFailing;

    private AgentRuntime(Builder b) {
        this.agent = b.agent;
        this.handler = b.handler;
        this.transport = b.transport;
        this.ownsTransport = b.ownsTransport;
        this.clock = b.clock;
        this.drainTimeout = b.drainTimeout;
        this.heartbeatInterval = b.heartbeatInterval;
        this.announce = b.announce;
        this.tracer = b.tracer;
        this.permits = new Semaphore(agent.maxConcurrency());
        if (b.executor != null) {
            this.executor = b.executor;
            this.ownExecutor = null;
        } else {
            int threads = Math.min(agent.maxConcurrency(), MAX_OWN_THREADS);
            AtomicInteger ids = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "agent-" + agent.id() + "-" + ids.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            pool.allowCoreThreadTimeOut(true);
            this.executor = pool;
            this.ownExecutor = pool;
        }
    }

    /** Starts configuring a runtime for {@code agent}; its endpoint says where it listens. */
    public static Builder builder(AgentDescriptor agent) {
        return new Builder(agent);
    }

    /** The agent this runtime hosts. */
    public AgentDescriptor agent() {
        return agent;
    }

    /** Tasks the handler is running right now. */
    public int running() {
        return running.get();
    }

    private AgentRuntime start() {
        try {
            listener = transport.listen(agent, this::onTask);
        } catch (RuntimeException e) {
            if (ownExecutor != null) {
                ownExecutor.shutdownNow();
            }
            if (ownsTransport) {
                transport.close();
            }
            throw e;
        }
        log.info("Agent {} listening at {}", agent.id(), agent.endpoint());
        if (announce) {
            transport.directory().ifPresent(this::startHeartbeats);
        }
        return this;
    }

    private void startHeartbeats(AgentDirectory directory) {
        Duration ttl = heartbeatInterval.multipliedBy(LEASE_HEARTBEATS);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "agent-heartbeat-" + agent.id());
            t.setDaemon(true);
            return t;
        });
        heartbeats = scheduler;
        // The first announcement runs at once, so orchestrators learn of the agent without waiting an interval.
        scheduler.scheduleWithFixedDelay(() -> heartbeat(directory, ttl), 0, heartbeatInterval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void heartbeat(AgentDirectory directory, Duration ttl) {
        if (stopping) {
            return;
        }
        try {
            directory.announce(agent, ttl);
            if (heartbeatFailing) {
                heartbeatFailing = false;
                log.info("Agent {} heartbeats are getting through again", agent.id());
            }
        } catch (RuntimeException e) {
            if (!heartbeatFailing) {
                heartbeatFailing = true;
                log.warn("Agent {} could not send its heartbeat; retrying every {} ms", agent.id(), heartbeatInterval.toMillis(), e);
            }
        }
    }

    private void onTask(TaskEnvelope task, Transport.ReplySink reply) {
        if (stopping) {
            reply.reply(ResultEnvelope.failure(task.taskId(), agent.id(), ResultEnvelope.AGENT_STOPPING,
                    "Agent '" + agent.id() + "' is shutting down", true));
            return;
        }
        if (task.deadlineEpochMillis() > 0 && clock.millis() > task.deadlineEpochMillis()) {
            reply.reply(ResultEnvelope.failure(task.taskId(), agent.id(), ResultEnvelope.DEADLINE_EXCEEDED,
                    "Task " + task.taskId() + " arrived after its deadline", false));
            return;
        }
        if (!permits.tryAcquire()) {
            reply.reply(ResultEnvelope.failure(task.taskId(), agent.id(), ResultEnvelope.AGENT_BUSY,
                    "Agent '" + agent.id() + "' is running its max of " + agent.maxConcurrency() + " tasks", true));
            return;
        }
        running.incrementAndGet();
        try {
            executor.execute(() -> run(task, reply));
        } catch (RejectedExecutionException e) {
            finished();
            reply.reply(ResultEnvelope.failure(task.taskId(), agent.id(), ResultEnvelope.AGENT_STOPPING,
                    "Agent '" + agent.id() + "' is shutting down", true));
        }
    }

    private void run(TaskEnvelope task, Transport.ReplySink reply) {
        ResultEnvelope result = tracer == null ? execute(task) : tracer.handle(agent, task, () -> execute(task));
        // The slot is free before the reply leaves: the orchestrator counts it free on receipt and
        // may send the next task at once. Only the running count waits for the reply to be out.
        permits.release();
        try {
            reply.reply(result);
        } catch (RuntimeException e) {
            log.warn("Agent {} could not send its reply to task {}", agent.id(), task.taskId(), e);
        } finally {
            replied();
        }
    }

    /** Runs the handler; whatever it throws becomes a failure reply. */
    private ResultEnvelope execute(TaskEnvelope task) {
        ResultEnvelope result;
        try {
            Payload out = handler.handle(task);
            result = out == null
                    ? ResultEnvelope.failure(task.taskId(), agent.id(), TaskFailedException.HANDLER_ERROR, "Handler returned null", false)
                    : ResultEnvelope.success(task.taskId(), agent.id(), out);
        } catch (TaskFailedException e) {
            result = ResultEnvelope.failure(task.taskId(), agent.id(), e.errorCode(), e.getMessage(), e.retryable());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = ResultEnvelope.failure(task.taskId(), agent.id(), ResultEnvelope.AGENT_STOPPING, "Interrupted: agent stopping", true);
        } catch (Exception | Error e) {
            log.debug("Handler of agent {} failed task {}", agent.id(), task.taskId(), e);
            result = ResultEnvelope.failure(task.taskId(), agent.id(), TaskFailedException.HANDLER_ERROR,
                    e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), false);
        }
        return result;
    }

    private void finished() {
        permits.release();
        replied();
    }

    private void replied() {
        if (running.decrementAndGet() == 0 && stopping) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    /** Drains with {@link Builder#drainTimeout(Duration)} (default 10 s). */
    @Override
    public void close() {
        close(drainTimeout);
    }

    /**
     * Withdraws the agent from the directory (if it announced itself), stops taking tasks, waits
     * up to {@code grace} for running ones, then stops listening; tasks still running are
     * interrupted and their callers see a retryable failure (or a redelivery on a broker).
     * {@code Duration.ZERO} cuts running tasks short as a crash would, though unlike a crash the
     * agent still withdraws. Idempotent.
     */
    public void close(Duration grace) {
        ValidationException.requireNonNull(grace, "grace");
        if (stopping) {
            return;
        }
        stopping = true;
        ScheduledExecutorService hb = heartbeats;
        if (hb != null) {
            hb.shutdownNow();
            // Withdraw first, so orchestrators stop sending while the running tasks drain.
            transport.directory().ifPresent(directory -> {
                try {
                    directory.withdraw(agent.id());
                } catch (RuntimeException e) {
                    log.warn("Agent {} could not withdraw from the directory ({}); its lease will lapse", agent.id(), e.toString());
                }
            });
        }
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (drained) {
            long left;
            while (running.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(drained, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        Transport.Listener l = listener;
        if (l != null) {
            l.close();
        }
        if (ownExecutor != null) {
            ownExecutor.shutdownNow();
        }
        if (ownsTransport) {
            transport.close();
        }
        log.info("Agent {} stopped{}", agent.id(), running.get() > 0 ? " with " + running.get() + " task(s) cut short" : "");
    }

    /** Configures an {@link AgentRuntime}. Not thread-safe. */
    public static final class Builder {
        private final AgentDescriptor agent;
        private AgentHandler handler;
        private Transport transport;
        private boolean ownsTransport;
        private Executor executor;
        private Clock clock = Clock.systemUTC();
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private boolean announce = true;
        private io.agentorchestrator.core.security.SecurityConfig security;
        private io.agentorchestrator.core.internal.AgentTracer tracer;

        private Builder(AgentDescriptor agent) {
            this.agent = ValidationException.requireNonNull(agent, "agent");
        }

        /** The handler that does the work. Required. */
        public Builder handler(AgentHandler handler) {
            this.handler = ValidationException.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * The transport, found by the URI's scheme; the runtime closes it. Defaults to one for the
         * agent endpoint's own scheme (with no further configuration).
         */
        public Builder transport(String uri) {
            this.transport = ProviderLookup.transport(uri);
            this.ownsTransport = true;
            return this;
        }

        /** A transport instance; the caller keeps ownership. */
        public Builder transport(Transport transport) {
            this.transport = ValidationException.requireNonNull(transport, "transport");
            this.ownsTransport = false;
            return this;
        }

        /**
         * Runs handlers here instead of on the runtime's own daemon threads
         * ({@code agent-<id>-N}, at most {@value #MAX_OWN_THREADS}). Not shut down by the runtime.
         */
        public Builder executor(Executor executor) {
            this.executor = ValidationException.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Runs the handler on the thread that delivers the task (the transport's consumer), with
         * no hand-off to a worker thread: one thread hop less per task, for handlers that never
         * block &mdash; they compute briefly or hand their work to something asynchronous. A
         * handler that blocks here stalls the delivery of every other task to this agent, so
         * leave it off (the default) for LLM calls, HTTP requests and database queries.
         */
        public Builder directExecutor() {
            this.executor = Runnable::run;
            return this;
        }

        /** Clock for checking task deadlines; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = ValidationException.requireNonNull(clock, "clock");
            return this;
        }

        /** How long {@link AgentRuntime#close()} waits for running tasks, >= 0; default 10 s. */
        public Builder drainTimeout(Duration drainTimeout) {
            ValidationException.requireNonNull(drainTimeout, "drainTimeout");
            ValidationException.require(!drainTimeout.isNegative(), "drainTimeout", "must be >= 0", drainTimeout);
            this.drainTimeout = drainTimeout;
            return this;
        }

        /**
         * How often the agent renews its lease in the transport's directory, 100 ms to 10 min;
         * default 5 s. The lease announced is {@value AgentRuntime#LEASE_HEARTBEATS} intervals long.
         */
        public Builder heartbeatInterval(Duration interval) {
            ValidationException.requireNonNull(interval, "heartbeatInterval");
            ValidationException.require(interval.compareTo(Duration.ofMillis(100)) >= 0 && interval.compareTo(Duration.ofMinutes(10)) <= 0,
                    "heartbeatInterval", "must be between 100 ms and 10 min", interval);
            this.heartbeatInterval = interval;
            return this;
        }

        /**
         * Turns on the security layer: signed announcements and replies, checked (and decrypted)
         * tasks. Use the orchestrators' signing keys (and payload keys) with this agent's own
         * principal. Default: the configuration outside the code ({@code SecurityConfig.fromEnvironment()}),
         * else off, which only {@code inproc:} allows: {@link #start()} refuses other transports
         * without a configuration or the explicit opt-out {@code SecurityConfig.insecure(reason)}.
         */
        public Builder security(io.agentorchestrator.core.security.SecurityConfig config) {
            this.security = ValidationException.requireNonNull(config, "security");
            return this;
        }

        /**
         * Whether to announce the agent and heartbeat through the transport's shared directory
         * (when it has one), so orchestrators register it by themselves; default {@code true}.
         */
        public Builder announce(boolean announce) {
            this.announce = announce;
            return this;
        }

        /**
         * Wraps the handling of each task in a Micrometer {@code Observation} named
         * {@value io.agentorchestrator.core.tracing.OrchestratorObservationNames#AGENT_TASK}, a
         * receiver whose carrier is the envelope's headers: with a tracing bridge's propagating
         * handlers registered, it continues the orchestrator's trace, and the handler runs in its
         * scope. Needs {@code io.micrometer:micrometer-observation}. Default:
         * {@code ObservationRegistry.NOOP}, no tracing and no cost.
         */
        public Builder observationRegistry(io.micrometer.observation.ObservationRegistry registry) {
            ValidationException.requireNonNull(registry, "observationRegistry");
            this.tracer = registry == io.micrometer.observation.ObservationRegistry.NOOP ? null
                    : new io.agentorchestrator.core.internal.observation.ObservationAgentTracer(registry);
            return this;
        }

        /**
         * Starts listening (and announcing) and returns the running runtime.
         *
         * @throws ValidationException when no handler was set, or the transport is not {@code inproc:}
         *         and has no security configuration and no explicit opt-out (see {@link #security})
         * @throws io.agentorchestrator.api.TransportException when the endpoint cannot be listened on
         */
        public AgentRuntime start() {
            ValidationException.require(handler != null, "handler", "must be set", null);
            if (transport == null) {
                transport(agent.scheme() + ":");
            }
            if (!transport.scheme().equalsIgnoreCase(agent.scheme())) {
                throw new ValidationException("transport", "must serve the agent endpoint's scheme '" + agent.scheme() + "'",
                        transport.scheme());
            }
            var layer = io.agentorchestrator.core.security.internal.SecurityLayer.install(security,
                    java.util.List.of(transport.scheme()), "agent " + agent.id());
            if (layer != null) {
                transport = layer.wrap(transport);
            }
            return new AgentRuntime(this).start();
        }
    }
}
