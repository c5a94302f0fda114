package io.agentorchestrator.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.AgentStatus;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.core.AgentRuntime;
import io.agentorchestrator.core.Orchestrator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Server-Sent Events of the admin API: what goes out, replay after reconnect, bounded buffers, sampling. */
class AdminEventsTest {

    private static final Pattern ID = Pattern.compile("(?m)^id: (\\d+)$");
    private final String prefix = "sse-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final AtomicLong nanos = new AtomicLong();
    private Orchestrator orchestrator;
    private AdminApi api;

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private void start(AdminServerConfig.Builder config) {
        orchestrator = Orchestrator.builder().transport("inproc:").build();
        closing.add(orchestrator);
        api = AdminApi.create(orchestrator, config.token(AdminServerTest.READER, AdminRole.READ).ticker(nanos::get).port(0).build());
        closing.add(api);
    }

    private AgentDescriptor agent(String name) {
        return AgentDescriptor.builder(prefix + name).capability("sse-plan").endpoint("inproc:" + prefix + name).build();
    }

    private AdminEventStream open(String lastEventId) {
        Map<String, List<String>> headers = lastEventId == null ? Map.of("Authorization", List.of("Bearer " + AdminServerTest.READER))
                : Map.of("Authorization", List.of("Bearer " + AdminServerTest.READER), "Last-Event-ID", List.of(lastEventId));
        AdminResponse r = api.handle(new AdminRequest("GET", "/api/events", null, headers, null, "test"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).containsEntry("Content-Type", "text/event-stream; charset=utf-8");
        closing.add(r.stream());
        return r.stream();
    }

    /** Reads the stream until {@code marker} shows up; returns all text read. */
    private static String readUntil(AdminEventStream stream, String marker) throws InterruptedException {
        StringBuilder sb = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!sb.toString().contains(marker)) {
            assertThat(System.nanoTime() < deadline).as("'%s' within 10 s; got: %s", marker, sb).isTrue();
            String next = stream.next(Duration.ofMillis(200));
            if (next == null) {
                break;
            }
            sb.append(next);
        }
        return sb.toString();
    }

    private static String lastId(String text) {
        Matcher m = ID.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }

    @Test
    void streamsAgentEventsOverHttpAndReplaysWhatAReconnectingClientMissed() throws Exception {
        orchestrator = Orchestrator.builder().transport("inproc:").adminServer(AdminServerConfig.builder().port(0)
                .token(AdminServerTest.READER, AdminRole.READ).build()).build();
        closing.add(orchestrator);
        URI events = orchestrator.adminServer().orElseThrow().uri().resolve("/api/events");
        HttpClient http = HttpClient.newHttpClient();

        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> first = http.send(HttpRequest.newBuilder(events).header("Authorization", "Bearer " + AdminServerTest.READER)
                .build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(first.statusCode()).isEqualTo(200);
        CompletableFuture.runAsync(() -> first.body().forEach(lines::add));
        awaitLine(lines, "event: hello");

        orchestrator.register(agent("a"));
        awaitLine(lines, "event: agent-registered");
        assertThat(awaitLine(lines, "data: ")).contains(prefix + "a");
        orchestrator.setStatus(prefix + "a", AgentStatus.UNHEALTHY, "killed by the test");
        String id = awaitLine(lines, "id: ").substring(4);
        assertThat(awaitLine(lines, "event: ")).isEqualTo("event: agent-status");
        assertThat(awaitLine(lines, "data: ")).contains("\"status\":\"UNHEALTHY\"").contains("killed by the test");
        first.body().close();

        orchestrator.deregister(prefix + "a");
        LinkedBlockingQueue<String> again = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> second = http.send(HttpRequest.newBuilder(events).header("Authorization", "Bearer " + AdminServerTest.READER)
                .header("Last-Event-ID", id).build(), HttpResponse.BodyHandlers.ofLines());
        CompletableFuture.runAsync(() -> second.body().forEach(again::add));
        assertThat(awaitLine(again, "event: ")).isEqualTo("event: agent-deregistered");
        second.body().close();
    }

    private static String awaitLine(LinkedBlockingQueue<String> lines, String prefix) throws InterruptedException {
        for (;;) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("a line starting with '%s' within 10 s", prefix).isNotNull();
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    @Test
    void aClientReconnectingAfterItsEventsLeftTheReplayBufferIsToldToReset() throws Exception {
        start(AdminServerConfig.builder().replayBufferSize(2));
        AdminEventStream stream = open(null);
        String hello = readUntil(stream, "event: hello");
        String since = lastId(hello);
        for (int i = 0; i < 5; i++) {
            orchestrator.register(agent("r" + i));
        }
        readUntil(stream, prefix + "r4");
        assertThat(readUntil(open(since), "event: reset")).contains("event: reset");
        assertThat(readUntil(open("not-a-number"), "event: hello")).contains("event: hello");
    }

    @Test
    void aClientThatFallsBehindItsBufferIsCutOffAndCatchesUpOnReconnect() throws Exception {
        start(AdminServerConfig.builder().eventBufferSize(16).replayBufferSize(100));
        AdminEventStream slow = open(null);
        for (int i = 0; i < 30; i++) {
            orchestrator.register(agent("s" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> api.feed().cutOff() == 1);
        String got = readUntil(slow, "never shows up");
        assertThat(slow.next(Duration.ofMillis(10))).isNull();
        assertThat(got).contains(prefix + "s0\"").doesNotContain(prefix + "s29\"");
        String rest = readUntil(open(lastId(got)), prefix + "s29\"");
        assertThat(rest).contains(prefix + "s29\"").doesNotContain(prefix + "s0\"");
    }

    @Test
    void taskOutcomesAreSampledToTheConfiguredRate() throws Exception {
        start(AdminServerConfig.builder().taskEventsPerSecond(2));
        AgentDescriptor echo = agent("echo");
        closing.add(AgentRuntime.builder(echo).transport("inproc:").handler(t -> Payload.ofUtf8("ok")).start());
        orchestrator.register(echo);
        AdminEventStream stream = open(null);
        readUntil(stream, "event: hello");
        for (int i = 0; i < 10; i++) {
            orchestrator.dispatch(Task.of("sse-plan", "x")).get(5, TimeUnit.SECONDS);
        }
        orchestrator.register(agent("marker"));
        String text = readUntil(stream, prefix + "marker");
        assertThat(text.split("event: task-completed", -1)).hasSize(3);
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        orchestrator.dispatch(Task.of("sse-plan", "x")).get(5, TimeUnit.SECONDS);
        assertThat(readUntil(stream, "event: task-completed")).contains("\"capability\":\"sse-plan\"");
    }

    @Test
    void connectedClientsGetPeriodicStatsAndTheClientLimitHolds() throws Exception {
        start(AdminServerConfig.builder().statsInterval(Duration.ofMillis(100)).maxEventClients(1));
        orchestrator.register(agent("st"));
        AdminEventStream stream = open(null);
        String stats = readUntil(stream, "event: stats");
        assertThat(readUntil(stream, "\n\n")).isNotNull();
        assertThat(stats + readUntil(stream, "timeline")).contains(prefix + "st");
        AdminResponse refused = api.handle(new AdminRequest("GET", "/api/events", null,
                Map.of("Authorization", List.of("Bearer " + AdminServerTest.READER)), null, "other"));
        assertThat(refused.status()).isEqualTo(503);
        stream.close();
        assertThat(open(null)).isNotNull();
    }
}
