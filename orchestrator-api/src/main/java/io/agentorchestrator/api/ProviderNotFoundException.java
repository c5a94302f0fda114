package io.agentorchestrator.api;

/**
 * No plug-in was found for a name or URI scheme: no balancer called {@code "p3c"}, no transport
 * for {@code "kafka:"}. The message names the artifact to add when the name is one of ours.
 */
public class ProviderNotFoundException extends OrchestratorException {

    private final String kind;
    private final String name;

    /**
     * Creates the exception.
     *
     * @param kind    what was looked up: {@code "balancer"}, {@code "transport"}, {@code "health probe"}
     * @param name    the name or scheme asked for
     * @param message the full message, including what to add to the classpath
     */
    public ProviderNotFoundException(String kind, String name, String message) {
        super(message);
        this.kind = kind;
        this.name = name;
    }

    /** What kind of plug-in was looked up. */
    public String kind() {
        return kind;
    }

    /** The name or scheme that was asked for. */
    public String name() {
        return name;
    }
}
