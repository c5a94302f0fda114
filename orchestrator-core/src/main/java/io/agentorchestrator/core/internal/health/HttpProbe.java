package io.agentorchestrator.core.internal.health;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.HealthCheckResult;
import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.HealthProbeProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * GETs an agent's health URL with {@link HttpClient}: healthy when the status is the expected
 * one (any 2xx when none is set). The URL is the agent's {@value #HEALTH_URL_KEY} metadata, or
 * for an agent with an {@code http:}/{@code https:} endpoint, that endpoint's scheme, host and
 * port with the configured path.
 */
public final class HttpProbe implements HealthProbe {

    /** Agent metadata key holding the full health URL, e.g. {@code http://10.0.0.7:8080/healthz}. */
    public static final String HEALTH_URL_KEY = "health-url";

    private final String path;
    private final int expectedStatus;
    private volatile HttpClient client;

    /**
     * @param path           path appended to an http(s) endpoint's authority, starting with '/'
     * @param expectedStatus the status that means healthy, or 0 for any 2xx
     */
    public HttpProbe(String path, int expectedStatus) {
        this.path = path;
        this.expectedStatus = expectedStatus;
    }

    @Override
    public CompletionStage<HealthCheckResult> check(Agent agent, Duration timeout) {
        URI url;
        try {
            url = healthUrl(agent);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(HealthCheckResult.unhealthy(e.getMessage()));
        }
        HttpRequest request = HttpRequest.newBuilder(url).GET().timeout(timeout).build();
        return client().sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((response, error) -> {
            if (error != null) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                return HealthCheckResult.unhealthy("GET " + url + " failed: " + cause);
            }
            int status = response.statusCode();
            boolean ok = expectedStatus == 0 ? status >= 200 && status < 300 : status == expectedStatus;
            return ok ? HealthCheckResult.healthy("HTTP " + status)
                    : HealthCheckResult.unhealthy("HTTP " + status + " from " + url + " (expected "
                            + (expectedStatus == 0 ? "2xx" : String.valueOf(expectedStatus)) + ")");
        });
    }

    private URI healthUrl(Agent agent) {
        String configured = agent.descriptor().metadata().get(HEALTH_URL_KEY);
        if (configured != null) {
            try {
                return URI.create(configured);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Agent '" + agent.id() + "' has an invalid " + HEALTH_URL_KEY + " '" + configured + "'");
            }
        }
        URI endpoint = agent.descriptor().endpoint();
        String scheme = agent.descriptor().scheme();
        if ((scheme.equals("http") || scheme.equals("https")) && endpoint.getRawAuthority() != null) {
            return URI.create(scheme + "://" + endpoint.getRawAuthority() + path);
        }
        throw new IllegalArgumentException("Agent '" + agent.id() + "' has no health URL: set its '" + HEALTH_URL_KEY
                + "' metadata or give it an http endpoint");
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    client = c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                }
            }
        }
        return c;
    }

    @Override
    public String toString() {
        return "http probe (" + path + ", expecting " + (expectedStatus == 0 ? "2xx" : expectedStatus) + ")";
    }

    /** Makes the probe known as {@code http}: GET {@code /health}, any 2xx is healthy. */
    public static final class Provider implements HealthProbeProvider {

        /** Default path of the health endpoint. */
        public static final String DEFAULT_PATH = "/health";

        /** Needed by {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "http";
        }

        @Override
        public HealthProbe create() {
            return new HttpProbe(DEFAULT_PATH, 0);
        }
    }
}
