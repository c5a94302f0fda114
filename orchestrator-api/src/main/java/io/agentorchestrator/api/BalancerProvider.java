package io.agentorchestrator.api;

/**
 * Makes a {@link Balancer} known by name, so that {@code builder.balancer("my-balancer")} finds it.
 *
 * <p>Found with {@link java.util.ServiceLoader}: list the implementation's class name in
 * {@code META-INF/services/io.agentorchestrator.api.BalancerProvider}. Needs a public no-argument
 * constructor and must not throw while being discovered. When two providers claim one name, the
 * higher {@link #priority()} wins.
 */
public interface BalancerProvider {

    /** The name users select it by, lower-case with dashes: {@code "least-connections"}. */
    String name();

    /** A new balancer; each orchestrator gets its own instance. */
    Balancer create();

    /** Whether it can work in this JVM (needed classes present). Must be cheap. */
    default boolean isAvailable() {
        return true;
    }

    /** 0 to 10, default 5: breaks ties between providers of the same name. */
    default int priority() {
        return 5;
    }
}
