package io.agentorchestrator.core;

import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.internal.health.HttpProbe;
import io.agentorchestrator.core.internal.health.PingProbe;
import io.agentorchestrator.core.internal.health.TcpProbe;

/**
 * The built-in {@link HealthProbe}s, for {@link HealthCheckConfig.Builder#probe(HealthProbe)}.
 * Also known by name through {@code ServiceLoader}: {@code http}, {@code tcp}, {@code ping}.
 */
public final class HealthProbes {

    /** Agent metadata key with the full URL the http probe GETs, e.g. {@code http://10.0.0.7:8080/healthz}. */
    public static final String HEALTH_URL_KEY = HttpProbe.HEALTH_URL_KEY;
    /** Agent metadata key with the {@code host:port} the tcp probe connects to. */
    public static final String HEALTH_ADDRESS_KEY = TcpProbe.HEALTH_ADDRESS_KEY;
    /** Header carried by the ping probe's envelopes, so workers in other languages can answer them cheaply. */
    public static final String PING_HEADER = PingProbe.PING_HEADER;

    private HealthProbes() {
    }

    /**
     * GETs the agent's health URL ({@value #HEALTH_URL_KEY} metadata, or its http endpoint plus
     * {@code /health}); any 2xx is healthy.
     */
    public static HealthProbe http() {
        return new HttpProbe("/health", 0);
    }

    /**
     * GETs the agent's health URL ({@value #HEALTH_URL_KEY} metadata, or its http endpoint plus
     * {@code path}); healthy when the status is {@code expectedStatus}.
     *
     * @param path           starts with '/'
     * @param expectedStatus 100 to 599
     * @throws ValidationException when either is malformed
     */
    public static HealthProbe http(String path, int expectedStatus) {
        ValidationException.requireNonNull(path, "path");
        ValidationException.require(path.startsWith("/"), "path", "must start with '/'", path);
        ValidationException.requireInRange(expectedStatus, 100, 599, "expectedStatus");
        return new HttpProbe(path, expectedStatus);
    }

    /** Connects to the agent's {@value #HEALTH_ADDRESS_KEY} metadata or its endpoint's host and port. */
    public static HealthProbe tcp() {
        return new TcpProbe();
    }

    /**
     * Sends the agent an already-expired task envelope over its own transport: any answer means
     * it is listening. Works for agents behind a broker; the default probe.
     */
    public static HealthProbe ping() {
        return new PingProbe();
    }
}
