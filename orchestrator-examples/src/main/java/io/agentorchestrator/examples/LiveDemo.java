package io.agentorchestrator.examples;

import io.agentorchestrator.api.OrchestratorEvent;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.core.AgentHandler;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.CircuitBreakerConfig;
import io.agentorchestrator.core.Orchestrator;
import io.agentorchestrator.core.OutlierDetectionConfig;
import io.agentorchestrator.core.admin.AdminRole;
import io.agentorchestrator.core.admin.AdminServerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The demo's scene kept running for a person to watch on the admin dashboard
 * ({@code --admin-port N}): a steady trickle of tasks, and every {@link #CHAOS_PERIOD} one agent
 * in turn either starts failing its tasks for a while (the outlier detector ejects it, its
 * breaker opens, and both recover) or crashes and comes back.
 *
 * <p>Runs until {@link #close()}; the runner closes it when the JVM is interrupted (Ctrl-C).
 */
final class LiveDemo implements AutoCloseable {

    /** Tasks dispatched per second. */
    static final int TASKS_PER_SECOND = 15;
    /** Time between two chaos steps. */
    static final Duration CHAOS_PERIOD = Duration.ofSeconds(20);
    /** How long a failing agent fails, and a crashed one stays down, when the runner starts the demo. */
    static final Duration OUTAGE = Duration.ofSeconds(10);
    static final Duration TASK_TIMEOUT = Duration.ofSeconds(5);

    private final DemoOptions options;
    private final int port;
    private final String adminToken;
    private final boolean chaos;
    private final Duration outage;
    private final Consumer<String> progress;
    private final LogisticsScene scene = new LogisticsScene(DemoRun.SEED);
    private final Map<String, AgentRuntime> runtimes = new ConcurrentHashMap<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService scheduler;
    private Orchestrator orchestrator;
    /** Where the orchestrator's meters go, or null for none. */
    private MeterRegistry meters;
    private int dispatched;
    private int chaosStep;

    /**
     * @param port       admin port, 0 for any free one
     * @param adminToken the admin bearer token, or {@code null} to generate one
     * @param chaos      whether agents fail and crash in turn, every {@link #CHAOS_PERIOD}
     * @param outage     how long a failing agent fails and a crashed one stays down; also the ejection time
     */
    LiveDemo(DemoOptions options, int port, String adminToken, boolean chaos, Duration outage, Consumer<String> progress) {
        this.options = options;
        this.port = port;
        this.adminToken = adminToken != null ? adminToken : newToken();
        this.chaos = chaos;
        this.outage = outage;
        this.progress = progress;
    }

    private static String newToken() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Records the orchestrator's meters in {@code registry} (what {@code --prometheus-port} serves); call before {@link #start()}. */
    LiveDemo meterRegistry(MeterRegistry registry) {
        this.meters = registry;
        return this;
    }

    /** Starts the agents, the orchestrator with its admin server, the task trickle and the chaos. */
    LiveDemo start() {
        AdminServerConfig.Builder admin = AdminServerConfig.builder().port(port).tokensFromEnvironment().token(adminToken, AdminRole.ADMIN);
        for (String capability : LogisticsScene.CAPABILITIES) {
            admin.requireHealthy(capability, 1);
        }
        Orchestrator.Builder builder = Orchestrator.builder();
        if (meters != null) {
            builder.meterRegistry(meters);
        }
        orchestrator = builder
                .transport("inproc:")
                .balancer(options.balancer() != null ? options.balancer() : DemoOptions.DEFAULT_BALANCER)
                .defaultTimeout(TASK_TIMEOUT)
                .outlierDetection(OutlierDetectionConfig.builder().consecutiveFailures(3).maxEjectionPercent(50)
                        .baseEjectionTime(outage).build())
                .circuitBreaker(CircuitBreakerConfig.defaults())
                .adminServer(admin.build())
                .build();
        orchestrator.addListener(this::report);
        for (LogisticsScene.AgentSpec spec : scene.agents()) {
            startAgent(spec);
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "live-demo");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleAtFixedRate(this::dispatchOne, 0, 1_000_000 / TASKS_PER_SECOND, TimeUnit.MICROSECONDS);
        if (chaos) {
            scheduler.scheduleWithFixedDelay(this::chaosStep, CHAOS_PERIOD.toMillis() / 2, CHAOS_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    private void startAgent(LogisticsScene.AgentSpec spec) {
        AgentHandler work = scene.handler(spec);
        AgentHandler handler = task -> {
            if (failing.contains(spec.id())) {
                // Retryable, so it counts against the agent (ejection, breaker) and the task moves to another agent.
                throw new TaskFailedException("LIVE_DEMO_FAULT", spec.id() + " is failing on purpose (live demo)", true);
            }
            return work.handle(task);
        };
        runtimes.put(spec.id(), AgentRuntime.builder(spec.descriptor()).transport("inproc:").handler(handler)
                .drainTimeout(DemoRun.AGENT_DRAIN).start());
        orchestrator.register(spec.descriptor());
    }

    /** The dashboard's address, the admin token in its fragment (which browsers never send to the server). */
    URI dashboard() {
        return orchestrator.adminServer().orElseThrow().uri().resolve("/dashboard/#token=" + adminToken);
    }

    /** The admin API's base address. */
    URI base() {
        return orchestrator.adminServer().orElseThrow().uri();
    }

    Orchestrator orchestrator() {
        return orchestrator;
    }

    String adminToken() {
        return adminToken;
    }

    List<String> agentIds() {
        return scene.agents().stream().map(LogisticsScene.AgentSpec::id).toList();
    }

    private void dispatchOne() {
        try {
            Task task = scene.task(dispatched++);
            orchestrator.dispatch(task);
        } catch (RuntimeException e) {
            // No agent right now, or closing: the dashboard shows it; the trickle goes on.
        }
    }

    /** One step of chaos: the next agent in turn starts failing for a while, or crashes and comes back. */
    void chaosStep() {
        List<LogisticsScene.AgentSpec> agents = scene.agents();
        LogisticsScene.AgentSpec victim = agents.get((chaosStep * 4) % agents.size());
        boolean crash = chaosStep++ % 2 == 1;
        try {
            if (crash) {
                progress.accept("chaos: " + victim.id() + " crashes and comes back in " + outage.toMillis() + " ms");
                AgentRuntime runtime = runtimes.remove(victim.id());
                if (runtime != null) {
                    runtime.close(Duration.ZERO);
                }
                scheduler.schedule(() -> startAgent(victim), outage.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                progress.accept("chaos: " + victim.id() + " fails its tasks for " + outage.toMillis() + " ms");
                failing.add(victim.id());
                scheduler.schedule(() -> failing.remove(victim.id()), outage.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) {
            progress.accept("chaos: step failed: " + e);
        }
    }

    private void report(OrchestratorEvent event) {
        if (event instanceof OrchestratorEvent.AgentEjected e) {
            progress.accept("outlier: " + e.agentId() + " ejected for " + e.duration().toMillis() + " ms (" + e.reason() + ")");
        } else if (event instanceof OrchestratorEvent.AgentReinstated e) {
            progress.accept("outlier: " + e.agentId() + " reinstated (" + e.reason() + ")");
        } else if (event instanceof OrchestratorEvent.AgentDeregistered e) {
            progress.accept("registry: " + e.agent().id() + " deregistered");
        } else if (event instanceof OrchestratorEvent.AgentRegistered e) {
            progress.accept("registry: " + e.agent().id() + " registered");
        }
    }

    /**
     * Runs the live demo until the JVM is interrupted (Ctrl-C), printing the dashboard address.
     *
     * @return the exit status
     */
    static int runUntilInterrupted(DemoOptions options, java.io.PrintStream out, java.io.PrintStream err) {
        LiveDemo demo = new LiveDemo(options, options.adminPort(), null, true, OUTAGE, out::println);
        PrometheusEndpoint endpoint = null;
        try {
            if (options.prometheusPort() != 0) {
                endpoint = PrometheusEndpoint.start(options.prometheusPort());
                demo.meterRegistry(endpoint.registry());
            }
            demo.start();
        } catch (java.io.IOException e) {
            err.println("error: --prometheus-port " + options.prometheusPort() + " cannot be served: " + e.getMessage());
            return ExampleRunner.EXIT_USAGE;
        } catch (RuntimeException e) {
            err.println("error: the live demo did not start: " + e.getMessage());
            demo.close();
            if (endpoint != null) {
                endpoint.close();
            }
            return ExampleRunner.EXIT_INCOMPLETE;
        }
        PrometheusEndpoint metrics = endpoint;
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            main.interrupt();
            demo.close();
            if (metrics != null) {
                metrics.close();
            }
        }, "live-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("live demo: " + demo.agentIds().size() + " agents, " + TASKS_PER_SECOND + " tasks/s; an agent fails or crashes every "
                + CHAOS_PERIOD.toSeconds() + " s");
        out.println("dashboard: " + demo.dashboard());
        if (metrics != null) {
            out.println("metrics: serving " + metrics.url());
        }
        out.println("admin API: " + demo.base() + "api/agents (Authorization: Bearer " + demo.adminToken() + "); Ctrl-C stops");
        try {
            new java.util.concurrent.CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        demo.close();
        return ExampleRunner.EXIT_OK;
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (orchestrator != null) {
            orchestrator.close();
        }
        for (AgentRuntime runtime : runtimes.values()) {
            runtime.close(DemoRun.AGENT_DRAIN);
        }
    }
}
