package io.agentorchestrator.api;

import java.util.Map;

/**
 * A task as it travels to an agent over a transport: the task's fields plus what the agent needs
 * to handle it once (attempt number, absolute deadline, where to reply).
 *
 * @param version          wire format version, {@link #WIRE_VERSION} when written by this library
 * @param taskId           the task's id; agents dedupe redeliveries by it
 * @param capability       the capability asked for
 * @param payload          the task's input
 * @param priority         0 (lowest) to 9 (highest)
 * @param deadlineEpochMillis when the caller stops waiting, in Unix epoch milliseconds; an agent
 *                         should not start a task past its deadline
 * @param key              the routing key, or {@code null}
 * @param headers          the task's headers (trace context and the like)
 * @param attempt          1 for the first try, 2 for the first retry, ...
 * @param replyTo          transport-specific reply address, or {@code null} when the transport
 *                         correlates replies itself
 */
public record TaskEnvelope(
        int version,
        String taskId,
        String capability,
        Payload payload,
        int priority,
        long deadlineEpochMillis,
        String key,
        Map<String, String> headers,
        int attempt,
        String replyTo) {

    /** The version of the wire format this library writes. */
    public static final int WIRE_VERSION = 1;

    /** Checks the fields a transport decoded from the wire, naming the first bad one. */
    public TaskEnvelope {
        ValidationException.require(version >= 1, "version", "must be >= 1", version);
        ValidationException.requireNonNull(taskId, "taskId");
        ValidationException.require(!taskId.isEmpty(), "taskId", "must not be empty", taskId);
        AgentDescriptor.requireCapability(capability, "capability");
        ValidationException.requireNonNull(payload, "payload");
        ValidationException.requireInRange(priority, Task.MIN_PRIORITY, Task.MAX_PRIORITY, "priority");
        ValidationException.require(attempt >= 1, "attempt", "must be >= 1", attempt);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** Builds the envelope for one attempt of {@code task}. */
    public static TaskEnvelope of(Task task, long deadlineEpochMillis, int attempt, String replyTo) {
        return new TaskEnvelope(WIRE_VERSION, task.id(), task.capability(), task.payload(), task.priority(),
                deadlineEpochMillis, task.key().orElse(null), task.headers(), attempt, replyTo);
    }
}
