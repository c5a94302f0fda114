package io.agentorchestrator.redis;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.args.Rawable;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * Commands whose byte-array arguments Jedis writes as they are. Jedis copies every {@code byte[]}
 * argument it is given (its raw argument keeps a private copy); for a task or a reply, a
 * kilobyte and more each, that copy was the largest single allocation of the sender and of the
 * agent's stream thread. The arrays passed here are built for the one command and never changed
 * after, so nothing needs the copy.
 */
final class Args {

    private Args() {
    }

    /** {@code command} with {@code args}, none of them copied. */
    static CommandArguments command(ProtocolCommand command, byte[]... args) {
        CommandArguments out = new CommandArguments(command);
        for (byte[] a : args) {
            out.add(new Bytes(a));
        }
        return out;
    }

    /** One argument, as given; the record's accessor is {@link Rawable#getRaw()}. */
    private record Bytes(byte[] getRaw) implements Rawable {
    }
}
