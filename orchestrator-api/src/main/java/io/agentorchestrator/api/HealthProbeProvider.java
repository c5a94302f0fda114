package io.agentorchestrator.api;

/**
 * Makes a {@link HealthProbe} known by name ({@code "http"}, {@code "tcp"}, ...).
 *
 * <p>Found with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/io.agentorchestrator.api.HealthProbeProvider}. Needs a public
 * no-argument constructor and must not throw while being discovered.
 */
public interface HealthProbeProvider {

    /** The name users select it by. */
    String name();

    /** A new probe. */
    HealthProbe create();

    /** Whether it can work in this JVM. Must be cheap. */
    default boolean isAvailable() {
        return true;
    }

    /** 0 to 10, default 5: breaks ties between providers of the same name. */
    default int priority() {
        return 5;
    }
}
