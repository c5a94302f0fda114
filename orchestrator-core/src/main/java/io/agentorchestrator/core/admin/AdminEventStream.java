package io.agentorchestrator.core.admin;

import java.time.Duration;

/**
 * One client's Server-Sent Events stream, pulled by the server that hosts the admin API: write
 * each piece {@link #next} returns to the client and flush, until it returns {@code null}.
 *
 * <p>The stream holds a bounded buffer. A client that falls further behind than it holds is cut
 * off ({@code next} returns {@code null}); an {@code EventSource} then reconnects with
 * {@code Last-Event-ID} and gets what it missed from the replay buffer. Call {@link #close()}
 * when the client goes away. One thread at a time.
 */
public interface AdminEventStream extends AutoCloseable {

    /**
     * The next text to send: one or more events in SSE format, or a comment to keep the
     * connection alive when nothing happened within {@code maxWait}.
     *
     * @return the text, or {@code null} when the stream has ended
     * @throws InterruptedException when the waiting thread is interrupted
     */
    String next(Duration maxWait) throws InterruptedException;

    /** Ends the stream and frees its slot. Idempotent. */
    @Override
    void close();
}
