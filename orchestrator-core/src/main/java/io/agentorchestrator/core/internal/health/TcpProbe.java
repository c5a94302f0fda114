package io.agentorchestrator.core.internal.health;

import io.agentorchestrator.api.Agent;
import io.agentorchestrator.api.HealthCheckResult;
import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.HealthProbeProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Opens a TCP connection to the agent and closes it: healthy when the connection is accepted.
 * The address is the agent's {@value #HEALTH_ADDRESS_KEY} metadata ({@code host:port}), or its
 * endpoint's host and port.
 */
public final class TcpProbe implements HealthProbe {

    /** Agent metadata key holding the {@code host:port} to connect to. */
    public static final String HEALTH_ADDRESS_KEY = "health-address";

    @Override
    public CompletionStage<HealthCheckResult> check(Agent agent, Duration timeout) {
        InetSocketAddress address;
        try {
            address = address(agent);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(HealthCheckResult.unhealthy(e.getMessage()));
        }
        CompletableFuture<HealthCheckResult> result = new CompletableFuture<>();
        AsynchronousSocketChannel channel;
        try {
            channel = AsynchronousSocketChannel.open();
        } catch (IOException e) {
            return CompletableFuture.completedFuture(HealthCheckResult.unhealthy("cannot open a socket: " + e));
        }
        // The checker stops waiting at the timeout; closing the channel then ends the connect attempt too.
        result.orTimeout(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS).whenComplete((r, e) -> close(channel));
        channel.connect(address, null, new CompletionHandler<Void, Void>() {
            @Override
            public void completed(Void ignored, Void attachment) {
                result.complete(HealthCheckResult.healthy("connected to " + address));
            }

            @Override
            public void failed(Throwable error, Void attachment) {
                result.complete(HealthCheckResult.unhealthy("cannot connect to " + address + ": " + error));
            }
        });
        return result;
    }

    private static void close(AsynchronousSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to do: the check is over.
        }
    }

    private static InetSocketAddress address(Agent agent) {
        String configured = agent.descriptor().metadata().get(HEALTH_ADDRESS_KEY);
        if (configured != null) {
            int colon = configured.lastIndexOf(':');
            try {
                return new InetSocketAddress(configured.substring(0, colon), Integer.parseInt(configured.substring(colon + 1)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Agent '" + agent.id() + "' has an invalid " + HEALTH_ADDRESS_KEY + " '" + configured
                        + "': expected host:port");
            }
        }
        URI endpoint = agent.descriptor().endpoint();
        if (endpoint.getHost() != null && endpoint.getPort() > 0) {
            return new InetSocketAddress(endpoint.getHost(), endpoint.getPort());
        }
        throw new IllegalArgumentException("Agent '" + agent.id() + "' has no address to connect to: set its '" + HEALTH_ADDRESS_KEY
                + "' metadata (host:port) or give it an endpoint with a host and port");
    }

    @Override
    public String toString() {
        return "tcp probe";
    }

    /** Makes the probe known as {@code tcp}. */
    public static final class Provider implements HealthProbeProvider {

        /** Needed by {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "tcp";
        }

        @Override
        public HealthProbe create() {
            return new TcpProbe();
        }
    }
}
