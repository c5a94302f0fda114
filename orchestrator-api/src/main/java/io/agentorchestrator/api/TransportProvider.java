package io.agentorchestrator.api;

import java.net.URI;
import java.util.Set;

/**
 * Makes a {@link Transport} known by URI scheme, so that {@code builder.transport("redis://host:6379")}
 * works as soon as the transport's module is on the classpath.
 *
 * <p>Found with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/io.agentorchestrator.api.TransportProvider}. Needs a public no-argument
 * constructor and must not throw while being discovered; {@link #isAvailable()} says whether its
 * client library is present.
 */
public interface TransportProvider {

    /** The schemes it serves, lower-case, e.g. {@code Set.of("redis", "rediss")}. */
    Set<String> schemes();

    /**
     * Creates a transport configured from {@code uri} (broker address, credentials, options in
     * the query string).
     *
     * @throws ValidationException when the URI is malformed for this transport
     */
    Transport create(URI uri);

    /** Whether its client library is on the classpath. Must be cheap. */
    default boolean isAvailable() {
        return true;
    }

    /** 0 to 10, default 5: breaks ties between providers of the same scheme. */
    default int priority() {
        return 5;
    }
}
