package io.agentorchestrator.redis;

import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportProvider;
import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.util.Set;

/**
 * Serves {@code redis://} and {@code rediss://} (TLS): with {@code orchestrator-redis} on the class
 * path, {@code Orchestrator.builder().transport("redis://127.0.0.1:6379")} finds it through
 * {@link java.util.ServiceLoader}.
 *
 * <p>The URI names the Redis server, its credentials and database, and the transport's options:
 * {@code redis[s]://[user:password@]host[:port][/db][?prefix=ao&claimIdle=30s&...]}; the module
 * README lists every option with its default. Agents are then addressed as {@code redis:<agentId>}
 * (the agent's own streams) or {@code redis:capability/<capability>} (one shared stream per
 * capability, balanced by a consumer group).
 */
public final class RedisTransportProvider implements TransportProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public RedisTransportProvider() {
    }

    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss");
    }

    /**
     * Creates a transport for the Redis server {@code uri} names. Neither connects nor starts a
     * thread: the first send or listen does.
     *
     * @throws ValidationException naming the part of the URI that is wrong (scheme, host, port,
     *                             userinfo, database, or an option and its value)
     */
    @Override
    public Transport create(URI uri) {
        return new RedisTransport(RedisSettings.parse(uri), Ticker.system(), null);
    }

    /** Whether Jedis is on the class path. */
    @Override
    public boolean isAvailable() {
        try {
            Class.forName("redis.clients.jedis.RedisClient", false, RedisTransportProvider.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
