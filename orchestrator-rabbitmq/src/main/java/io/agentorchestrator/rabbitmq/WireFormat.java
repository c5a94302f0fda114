package io.agentorchestrator.rabbitmq;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.wire.EnvelopeCodec;
import java.time.Duration;

/**
 * The message bodies of this transport: the library's one wire format ({@link EnvelopeCodec},
 * {@code docs/wire-format.md}), with decoding failures turned into the reason a message is
 * dead-lettered. Which AMQP properties go with each body is the transport's business.
 */
final class WireFormat {

    private WireFormat() {
    }

    /** A message that cannot be turned into an envelope; the reason names the offending field. */
    static final class MalformedMessageException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedMessageException(String reason) {
            super(reason);
        }
    }

    // ---------------------------------------------------------------- tasks

    static byte[] encodeTask(TaskEnvelope t) {
        return EnvelopeCodec.encodeTask(t);
    }

    static TaskEnvelope decodeTask(byte[] body) throws MalformedMessageException {
        try {
            return EnvelopeCodec.decodeTask(body);
        } catch (ValidationException e) {
            throw new MalformedMessageException(e.getMessage());
        }
    }

    // ---------------------------------------------------------------- results

    static byte[] encodeResult(ResultEnvelope r) {
        return EnvelopeCodec.encodeResult(r);
    }

    static ResultEnvelope decodeResult(byte[] body) throws MalformedMessageException {
        try {
            return EnvelopeCodec.decodeResult(body);
        } catch (ValidationException e) {
            throw new MalformedMessageException(e.getMessage());
        }
    }

    // ---------------------------------------------------------------- directory

    /** A message on the directory exchange. */
    sealed interface DirectoryMessage {
    }

    /** An agent announced itself (or renewed its lease). */
    record Announce(AgentDescriptor agent, Duration ttl) implements DirectoryMessage {
    }

    /** An agent withdrew. */
    record Withdraw(String agentId) implements DirectoryMessage {
    }

    /** A watcher asks every agent to announce itself again. */
    record Query() implements DirectoryMessage {
    }

    static byte[] encodeAnnounce(AgentDescriptor a, Duration ttl) {
        return EnvelopeCodec.encodeAnnouncement(a, ttl.toMillis());
    }

    static byte[] encodeWithdraw(String agentId) {
        return EnvelopeCodec.encodeWithdrawal(agentId, io.agentorchestrator.core.wire.DirectoryMessage.WITHDRAWN);
    }

    static byte[] encodeQuery() {
        return EnvelopeCodec.encodeQuery();
    }

    static DirectoryMessage decodeDirectory(byte[] body) throws MalformedMessageException {
        try {
            io.agentorchestrator.core.wire.DirectoryMessage m = EnvelopeCodec.decodeDirectoryMessage(body);
            if (m instanceof io.agentorchestrator.core.wire.DirectoryMessage.Announcement a) {
                return new Announce(a.agent(), Duration.ofMillis(a.ttlMillis()));
            }
            if (m instanceof io.agentorchestrator.core.wire.DirectoryMessage.Withdrawal w) {
                return new Withdraw(w.agentId());
            }
            return new Query();
        } catch (ValidationException e) {
            throw new MalformedMessageException(e.getMessage());
        }
    }
}
