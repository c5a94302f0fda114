package io.agentorchestrator.kafka;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.wire.DirectoryMessage;
import io.agentorchestrator.core.wire.EnvelopeCodec;

/**
 * The record values of this transport: the library's one wire format ({@link EnvelopeCodec},
 * {@code docs/wire-format.md}), with decoding failures turned into the reason a record is
 * dead-lettered. Record keys and headers are the transport's business.
 */
final class WireFormat {

    private WireFormat() {
    }

    /** A record that does not hold a valid envelope; its message is the dead-letter reason. */
    static final class MalformedRecordException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedRecordException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ tasks

    static byte[] encodeTask(TaskEnvelope t) {
        return EnvelopeCodec.encodeTask(t);
    }

    static TaskEnvelope decodeTask(byte[] value) throws MalformedRecordException {
        try {
            return EnvelopeCodec.decodeTask(value);
        } catch (ValidationException e) {
            throw new MalformedRecordException("invalid task: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ results

    static byte[] encodeResult(ResultEnvelope r, int attempt) {
        return EnvelopeCodec.encodeResult(attempt > 0 ? r.withAttempt(attempt) : r);
    }

    /** A decoded result and the attempt it answers (0 when the sender did not say). */
    record Reply(ResultEnvelope result, int attempt) {
    }

    static Reply decodeResult(byte[] value) throws MalformedRecordException {
        try {
            ResultEnvelope r = EnvelopeCodec.decodeResult(value);
            return new Reply(r, r.attempt());
        } catch (ValidationException e) {
            throw new MalformedRecordException("invalid result: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ agent announcements

    static byte[] encodeAnnouncement(AgentDescriptor a, long ttlMillis) {
        return EnvelopeCodec.encodeAnnouncement(a, ttlMillis);
    }

    /** A decoded announcement. */
    record Announcement(AgentDescriptor agent, long ttlMillis) {
    }

    /** Reads a directory record's value; on Kafka a withdrawal is a tombstone, so only announcements have values. */
    static Announcement decodeAnnouncement(byte[] value) throws MalformedRecordException {
        DirectoryMessage m;
        try {
            m = EnvelopeCodec.decodeDirectoryMessage(value);
        } catch (ValidationException e) {
            throw new MalformedRecordException("invalid announcement: " + e.getMessage());
        }
        if (m instanceof DirectoryMessage.Announcement a) {
            return new Announcement(a.agent(), a.ttlMillis());
        }
        throw new MalformedRecordException("invalid announcement: type must be announce (a withdrawal is a tombstone), but was '"
                + (m instanceof DirectoryMessage.Withdrawal ? DirectoryMessage.WITHDRAW : DirectoryMessage.QUERY) + "'");
    }
}
