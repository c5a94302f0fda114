package io.agentorchestrator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.TaskFailedException;
import io.agentorchestrator.api.TaskResult;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.kit.TestSecurity;
import io.agentorchestrator.core.kit.TransportCompatibilityKit;
import io.agentorchestrator.core.wire.EnvelopeCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The HTTP transport passes the compatibility kit against agents served by the JDK's HttpServer. */
class HttpTransportTest extends TransportCompatibilityKit {

    private static final int PORT = freePort();

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected Transport newTransport() {
        return new io.agentorchestrator.core.internal.HttpTransport.Provider().create(URI.create("http:/"));
    }

    @Override
    protected String endpoint(String agentId) {
        return "http://127.0.0.1:" + PORT + "/agents/" + agentId;
    }

    @Override
    protected boolean sharesAgentDirectory() {
        return false;
    }

    @Override
    protected boolean offersEventChannel() {
        return false;
    }

    /** A plain HTTP endpoint answering every request with one status and body. */
    private HttpServer answering(int status, String body, AtomicInteger hits) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            hits.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        track(() -> server.stop(0));
        return server;
    }

    private AgentDescriptor plain(String id, HttpServer server) {
        return AgentDescriptor.builder(agentId(id)).capability("plain").endpoint("http://127.0.0.1:" + server.getAddress().getPort() + "/x").build();
    }

    private Throwable failure(java.util.concurrent.CompletableFuture<TaskResult> f) throws Exception {
        try {
            f.get(30, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void unavailableAgentsAreRetriedElsewhereAndClientErrorsAreNot() throws Exception {
        AtomicInteger busyHits = new AtomicInteger();
        AtomicInteger badHits = new AtomicInteger();
        HttpServer busy = answering(503, "", busyHits);
        HttpServer bad = answering(400, "{\"error\":\"no such shipment\"}", badHits);
        Orchestrator orchestrator = track(orchestratorBuilder().balancer(Balancers.roundRobin()).build());
        orchestrator.register(plain("busy", busy));
        assertThat(failure(orchestrator.dispatch(Task.of("plain", "x")))).isInstanceOf(TransportException.class)
                .hasMessageContaining("HTTP 503");

        orchestrator.deregister(agentId("busy"));
        orchestrator.register(plain("bad", bad));
        Throwable error = failure(orchestrator.dispatch(Task.of("plain", "x")));
        assertThat(error).isInstanceOf(TaskFailedException.class).hasMessageContaining("no such shipment");
        assertThat(((TaskFailedException) error).errorCode()).isEqualTo("http-400");
        assertThat(badHits.get()).isEqualTo(1);
    }

    @Test
    void malformedAndOversizedRepliesAreRefused() throws Exception {
        HttpServer garbage = answering(200, "{\"not\":\"an envelope\"}", new AtomicInteger());
        Orchestrator orchestrator = track(orchestratorBuilder().build());
        orchestrator.register(plain("garbage", garbage));
        assertThat(failure(orchestrator.dispatch(Task.of("plain", "x")))).isInstanceOf(TransportException.class)
                .hasMessageContaining("Malformed reply").hasMessageContaining("version must be present");

        Transport small = track(new io.agentorchestrator.core.internal.HttpTransport.Provider().create(URI.create("http:/?maxBodyBytes=10")));
        HttpServer big = answering(200, "x".repeat(1000), new AtomicInteger());
        Orchestrator limited = track(Orchestrator.builder().security(TestSecurity.OFF).transport(small).build());
        limited.register(plain("big", big));
        assertThat(failure(limited.dispatch(Task.of("plain", "x")))).isInstanceOf(TransportException.class)
                .hasMessageContaining("exceeds 10 bytes");
    }

    @Test
    void aReplyToAnotherAttemptIsRefused() throws Exception {
        HttpServer confused = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        confused.createContext("/", exchange -> {
            TaskEnvelope task = EnvelopeCodec.decodeTask(exchange.getRequestBody().readAllBytes());
            byte[] bytes = EnvelopeCodec.encodeResult(ResultEnvelope.success(task.taskId(), "confused",
                    Payload.ofUtf8("stale")).withAttempt(task.attempt() + 1));
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        confused.start();
        track(() -> confused.stop(0));
        Orchestrator orchestrator = track(orchestratorBuilder().build());
        orchestrator.register(plain("confused", confused));
        assertThat(failure(orchestrator.dispatch(Task.of("plain", "x")))).isInstanceOf(TransportException.class)
                .hasMessageContaining("Malformed reply").hasMessageContaining("attempt must be the attempt sent (1), but was 2");
    }

    @Test
    void transportOptionsAreValidated() {
        var provider = new io.agentorchestrator.core.internal.HttpTransport.Provider();
        assertThatThrownBy(() -> provider.create(URI.create("http:/?maxBodyBytes=0"))).isInstanceOf(ValidationException.class)
                .hasMessage("maxBodyBytes must be between 1 and 536870912, but was 0");
        assertThatThrownBy(() -> provider.create(URI.create("http:/?colour=blue"))).hasMessageContaining("unknown option 'colour'");
        assertThat(Orchestrator.builder().transport("https:")).isNotNull();
    }
}
