package io.agentorchestrator.redis;

import io.agentorchestrator.api.TransportException;
import java.util.function.Consumer;
import java.util.function.Function;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A connection of its own, outside the pool, for one thread's blocking reads (XREAD, XREADGROUP
 * with BLOCK). Blocking reads then never hold pooled connections, and {@link #close()} ends a read
 * at once by closing its socket instead of waiting out the block time. Dialled on first use and
 * again after it breaks. Used by one reader thread; {@link #close()} may come from any thread.
 */
final class BlockingConnection implements AutoCloseable {

    private final RedisConnection owner;
    private final CommandObjects commands = new CommandObjects(redis.clients.jedis.RedisProtocol.RESP2);
    private volatile Connection connection;
    private volatile boolean closed;

    BlockingConnection(RedisConnection owner) {
        this.owner = owner;
    }

    /** Runs one command built from {@link CommandObjects}. */
    <T> T run(Function<CommandObjects, CommandObject<T>> command) {
        Connection c = connect();
        try {
            return c.executeCommand(command.apply(commands)); // RESP2, as the dedicated connection speaks
        } catch (JedisConnectionException e) {
            // Dial anew next time: this socket is dead (or was closed by close()).
            connection = null;
            c.close();
            throw e;
        }
    }

    /**
     * Runs the commands {@code queue} puts in a pipeline, in one round trip, and reads all their
     * replies. With {@code blocking} the last command may be a blocking read: no socket timeout
     * applies while the replies are awaited (the read's own BLOCK bounds the wait, and
     * {@link #close()} ends it).
     */
    void pipelined(boolean blocking, Consumer<Pipeline> queue) {
        Connection c = connect();
        try {
            Pipeline p = new Pipeline(c, false);
            queue.accept(p);
            if (blocking) {
                c.setTimeoutInfinite();
            }
            try {
                p.sync();
            } finally {
                if (blocking) {
                    c.rollbackTimeout();
                }
            }
        } catch (JedisConnectionException e) {
            connection = null;
            c.close();
            throw e;
        }
    }

    private Connection connect() {
        Connection c = connection;
        if (c == null) {
            c = owner.dedicated();
            connection = c;
            if (closed) {
                c.close();
                throw new TransportException(RedisTransport.SCHEME, null, "Reader closed", false, null);
            }
        }
        return c;
    }

    /** Drops the current socket (the server probably restarted); the next command dials anew. */
    void discard() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        Connection c = connection;
        if (c != null) {
            c.close();
        }
    }
}
