package io.agentorchestrator.redis;

import io.agentorchestrator.api.TransportException;
import java.io.File;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The pooled Jedis client of one transport, created on first use so that constructing a
 * transport neither connects nor starts threads. Connections broken by a Redis restart are
 * dropped from the pool on the first failure ({@link #onFailure}), so the next command dials anew:
 * that is all "reconnecting" takes with a pool. Thread-safe.
 */
final class RedisConnection implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RedisConnection.class);

    private final RedisSettings settings;
    private final Object lock = new Object();
    private volatile RedisClient client;
    private volatile DefaultJedisClientConfig config;
    private volatile boolean closed;

    RedisConnection(RedisSettings settings) {
        this.settings = settings;
    }

    /** The client, created on first call. */
    RedisClient client() {
        RedisClient c = client;
        if (c != null) {
            return c;
        }
        synchronized (lock) {
            if (closed) {
                throw new TransportException(RedisTransport.SCHEME, settings.redacted(), "The Redis transport is closed", false, null);
            }
            if (client == null) {
                int timeout = (int) settings.timeout().toMillis();
                DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                        .connectionTimeoutMillis(timeout)
                        .socketTimeoutMillis(timeout)
                        // A blocking read may take `block`; past that plus the timeout the server is gone.
                        .blockingSocketTimeoutMillis((int) settings.block().toMillis() + timeout)
                        .database(settings.database())
                        .clientName(settings.clientName());
                if (settings.tls()) {
                    // Full verification: the certificate chain and that it names the host we dialled.
                    SslOptions.Builder tls = SslOptions.builder().sslVerifyMode(SslVerifyMode.FULL);
                    if (settings.truststore() != null) {
                        tls.truststore(new File(settings.truststore()),
                                settings.truststorePassword() == null ? null : settings.truststorePassword().toCharArray())
                                .trustStoreType("PKCS12");
                    }
                    if (settings.keystore() != null) {
                        // Client certificate, for servers started with tls-auth-clients yes.
                        tls.keystore(new File(settings.keystore()),
                                settings.keystorePassword() == null ? null : settings.keystorePassword().toCharArray())
                                .keyStoreType("PKCS12");
                    }
                    config.sslOptions(tls.build());
                }
                if (settings.user() != null) {
                    config.user(settings.user());
                }
                if (settings.password() != null) {
                    config.password(settings.password());
                }
                ConnectionPoolConfig pool = new ConnectionPoolConfig();
                pool.setMaxTotal(settings.poolSize());
                pool.setMaxIdle(settings.poolSize());
                pool.setMinIdle(0);
                pool.setMaxWait(settings.timeout());
                pool.setBlockWhenExhausted(true);
                this.config = config.build();
                client = RedisClient.builder()
                        .hostAndPort(new HostAndPort(settings.host(), settings.port()))
                        .clientConfig(this.config)
                        .poolConfig(pool)
                        .build();
            }
            return client;
        }
    }

    /**
     * A connection of its own, outside the pool, for a pub/sub subscription: nothing else may ever
     * write to a subscribed connection. The caller closes it.
     */
    Connection dedicated() {
        client();
        // RESP2: under RESP3 a PING on a subscribed connection answers +PONG, which Jedis' pub/sub reader rejects.
        return new Connection(new HostAndPort(settings.host(), settings.port()),
                DefaultJedisClientConfig.builder().from(config).resp2().build());
    }

    /**
     * Keeps one pub/sub subscription up while {@code open} holds: dials a {@link #dedicated}
     * connection, hands it to {@code connected} (whose close ends the subscription at once) and
     * runs {@code subscribe} on it until the subscription ends, then dials again after a back-off.
     * An outage is logged once, as {@code what}, and its end once. Runs on the caller's thread.
     */
    void keepSubscribed(java.util.function.BooleanSupplier open, java.util.function.Consumer<Connection> connected,
            java.util.function.Consumer<Connection> subscribe, String what) {
        int failures = 0;
        boolean down = false;
        while (open.getAsBoolean()) {
            try {
                Connection c = dedicated();
                connected.accept(c);
                try {
                    if (open.getAsBoolean()) {
                        if (down) {
                            down = false;
                            LOG.info("{}: subscribed again to Redis at {}", what, settings.redacted());
                        }
                        subscribe.accept(c);
                    }
                } finally {
                    c.close();
                }
                if (open.getAsBoolean()) {
                    RedisTransport.pause(++failures);
                }
            } catch (JedisException | TransportException e) {
                if (!open.getAsBoolean()) {
                    break;
                }
                onFailure(e instanceof JedisException je ? je : null);
                if (!down) {
                    down = true;
                    LOG.warn("{}: Redis at {} unreachable ({}); subscribing again", what, settings.redacted(), e.getMessage());
                }
                RedisTransport.pause(++failures);
            }
        }
    }

    /**
     * Called after a command failed: when the connection broke, idle pooled connections are
     * likely dead too (Redis restarted), so they are dropped instead of failing one by one.
     */
    void onFailure(JedisException e) {
        RedisClient c = client;
        if (c != null && e instanceof JedisConnectionException) {
            try {
                c.getPool().clear();
            } catch (RuntimeException ignored) {
                // Clearing is an optimisation; the pool also drops broken connections itself.
            }
        }
    }

    /** A transport exception for a failed command, naming the broker (never the password). */
    TransportException failure(String what, String endpoint, JedisException e) {
        onFailure(e);
        return new TransportException(RedisTransport.SCHEME, endpoint == null ? settings.redacted() : endpoint,
                what + " failed at " + settings.redacted() + ": " + e.getMessage(), true, e);
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (client != null) {
                try {
                    client.close();
                } catch (RuntimeException ignored) {
                    // Closing a pool whose server is gone may throw; nothing is left to release.
                }
                client = null;
            }
        }
    }
}
