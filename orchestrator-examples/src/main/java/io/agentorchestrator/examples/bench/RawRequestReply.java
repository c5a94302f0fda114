package io.agentorchestrator.examples.bench;

import java.util.concurrent.CompletableFuture;

/**
 * The hand-written contender of a broker benchmark: a caller side that sends a request and waits
 * for its reply, and an echo worker, written directly against one broker client with the same
 * primitives the transport uses, as simply as is still correct (acknowledged, at least once).
 */
interface RawRequestReply extends AutoCloseable {

    /** Sends {@code body} to the worker and returns its echo. */
    CompletableFuture<byte[]> call(byte[] body) throws Exception;

    /** Starts a daemon thread, so a raw client left open never keeps the runner alive. */
    static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    void close() throws Exception;
}
