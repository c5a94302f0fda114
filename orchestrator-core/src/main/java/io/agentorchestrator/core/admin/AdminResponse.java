package io.agentorchestrator.core.admin;

import java.util.Map;

/**
 * What the admin API answers: a status, headers and a body, or, for the event stream, a
 * {@link AdminEventStream} the host writes out as it goes.
 *
 * @param status  the HTTP status
 * @param headers headers to send, security headers included
 * @param body    the body; empty for a stream
 * @param stream  for {@code GET /api/events} answered with 200, the stream to copy to the client; otherwise {@code null}
 */
public record AdminResponse(int status, Map<String, String> headers, byte[] body, AdminEventStream stream) {

    /** Copies the headers. */
    public AdminResponse {
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }
}
