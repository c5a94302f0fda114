package io.agentorchestrator.core.a2a;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportProvider;
import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;

/**
 * Serves the {@code a2a:} scheme: {@code Orchestrator.builder().transport("a2a:")} adds the
 * transport that reaches A2A agents registered with {@link A2aAgents#fromCard}.
 *
 * <p>Options in the query string: {@code maxPollMillis} (longest wait between two
 * {@code GetTask} calls while a task runs, 20 to 60,000; default
 * {@value #DEFAULT_MAX_POLL_MILLIS}) and {@code maxBodyBytes} (largest reply accepted;
 * default 16 MiB), e.g. {@code "a2a:?maxPollMillis=250"}.
 */
public final class A2aTransportProvider implements TransportProvider {

    /** Longest wait between two polls of a running task, by default. */
    public static final long DEFAULT_MAX_POLL_MILLIS = 1_000;
    /** Largest reply accepted, by default: 16 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 16 << 20;

    /** Used by {@link java.util.ServiceLoader}. */
    public A2aTransportProvider() {
    }

    @Override
    public Set<String> schemes() {
        return Set.of(A2aTransport.SCHEME);
    }

    /**
     * Creates an {@code a2a:} transport; starts no thread until its first send.
     *
     * @throws ValidationException when the URI's scheme is not {@code a2a} or an option is unknown or out of range
     */
    @Override
    public Transport create(URI uri) {
        ValidationException.requireNonNull(uri, "transport");
        ValidationException.require(A2aTransport.SCHEME.equals(uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT)),
                "transport", "must use the scheme a2a:", uri.toString());
        long maxPoll = DEFAULT_MAX_POLL_MILLIS;
        int maxBody = DEFAULT_MAX_BODY_BYTES;
        String query = uri.getQuery();
        if (query == null && uri.isOpaque()) {
            // "a2a:?x=1" is opaque to java.net.URI: its query hides in the scheme-specific part.
            String ssp = uri.getSchemeSpecificPart();
            int q = ssp.indexOf('?');
            query = q >= 0 ? ssp.substring(q + 1) : null;
        }
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                String value = kv.length == 2 ? kv[1] : "";
                switch (kv[0]) {
                    case "maxPollMillis" -> maxPoll = ValidationException.requireInRange(number(kv[0], value), 20, 60_000, "maxPollMillis");
                    case "maxBodyBytes" -> maxBody = ValidationException.requireInRange(number(kv[0], value), 1, 512 << 20, "maxBodyBytes");
                    default -> throw new ValidationException("transport", "has an unknown option '" + kv[0]
                            + "' (known: maxPollMillis, maxBodyBytes)", uri.toString());
                }
            }
        }
        return new A2aTransport(maxPoll, maxBody, Clock.systemUTC());
    }

    private static int number(String field, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ValidationException(field, "must be a whole number", value);
        }
    }
}
