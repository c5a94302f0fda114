package io.agentorchestrator.api;

import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A broadcast channel on a transport's broker: what one orchestrator publishes on a named
 * channel reaches every process watching that name on the same broker. The orchestrator mirrors
 * its live events onto one, so that other instances, dashboards and tools can watch them.
 *
 * <p>Delivery is live and at most once: a message published while nobody watches is gone, and
 * one published while the broker is unreachable is lost (publishers count and log that). Order is
 * kept per publisher. Offered by a transport through {@link Transport#eventChannel()}.
 * Thread-safe.
 */
public interface EventChannel {

    /** What a channel name may be: 1 to 100 letters, digits, '.', '_' or '-'. */
    Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    /**
     * Sends one message to the current watchers of {@code channel}. Does not wait for them.
     *
     * @throws ValidationException when the channel name breaks {@link #NAME}, or a value is null
     * @throws TransportException when the broker cannot be reached
     */
    void publish(String channel, byte[] message);

    /**
     * Starts handing {@code receiver} every message published on {@code channel} from now on, on a
     * transport thread, one at a time; it must be quick and must not throw. Reconnects by itself
     * after a broker failure (what was published meanwhile is missed).
     *
     * @return a handle that stops watching when closed
     * @throws ValidationException when the channel name breaks {@link #NAME}, or a value is null
     */
    Transport.Listener watch(String channel, Consumer<byte[]> receiver);

    /**
     * Checks a channel name against {@link #NAME}.
     *
     * @return the name
     * @throws ValidationException naming {@code field} when it is null or breaks the rule
     */
    static String requireName(String channel, String field) {
        ValidationException.requireNonNull(channel, field);
        ValidationException.require(NAME.matcher(channel).matches(), field, "must be 1-100 of A-Z a-z 0-9 . _ -", channel);
        return channel;
    }
}
