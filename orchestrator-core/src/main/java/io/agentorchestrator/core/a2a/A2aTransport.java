package io.agentorchestrator.core.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Payload;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code a2a:} transport: reaches remote A2A agents over JSON-RPC 2.0 on HTTP. An agent's
 * endpoint is {@code a2a:} followed by its JSON-RPC URL ({@code a2a:http://host:port/a2a/jsonrpc});
 * its {@value A2aAgents#PROTOCOL_VERSION_KEY} metadata picks the dialect (1.0 when absent).
 *
 * <p>One attempt: a non-blocking send ({@code SendMessage} / {@code message/send}) whose one
 * part holds the payload, then {@code GetTask} / {@code tasks/get} at growing intervals until
 * the task settles; the settled state becomes the reply (see {@link #toResult}). When the
 * engine cancels the attempt (the caller cancelled, the deadline passed, the orchestrator
 * closed) the remote task is cancelled with {@code CancelTask} / {@code tasks/cancel}.
 *
 * <p>Thread-safe. Threads: the HTTP client's pool and one poll timer, both daemon, created on
 * the first send and stopped by {@link #close()}.
 */
final class A2aTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(A2aTransport.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final Set<Integer> RETRYABLE_STATUS = Set.of(408, 429, 502, 503, 504);
    /** Transport failures in a row after which a task being followed is given up. */
    static final int MAX_POLL_FAILURES = 3;
    /** First wait before asking for a task's state; doubles up to the maximum. */
    static final long FIRST_POLL_MILLIS = 20;
    /** How long close() waits for the cancels of running tasks to reach their agents. */
    static final long CLOSE_CANCEL_WAIT_MILLIS = 2_000;
    /** How long past the task's deadline a request may stay open. */
    static final long DEADLINE_MARGIN_MILLIS = 1_000;

    static final String SCHEME = "a2a";

    private final long maxPollMillis;
    private final int maxBodyBytes;
    private final Clock clock;
    private final int id = IDS.incrementAndGet();
    private final AtomicLong rpcIds = new AtomicLong();
    private final Set<Call> calls = ConcurrentHashMap.newKeySet();
    /** Cancels on their way to agents; close() lets them leave before it stops the client's threads. */
    private final Set<CompletableFuture<JsonNode>> cancels = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private ExecutorService executor;
    // Volatile: written once under the lock, read by whichever thread cancels or polls.
    private volatile HttpClient client;
    private volatile ScheduledThreadPoolExecutor timer;
    private boolean closed;

    A2aTransport(long maxPollMillis, int maxBodyBytes, Clock clock) {
        this.maxPollMillis = maxPollMillis;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
        String endpoint = agent.endpoint().toString();
        URI url;
        try {
            url = new URI(agent.endpoint().getRawSchemeSpecificPart());
        } catch (URISyntaxException e) {
            return CompletableFuture.failedFuture(new TransportException(SCHEME, endpoint, "Agent '" + agent.id()
                    + "' has endpoint " + endpoint + ", which is not a2a: followed by an http(s) URL", false, e));
        }
        if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())) {
            return CompletableFuture.failedFuture(new TransportException(SCHEME, endpoint, "Agent '" + agent.id()
                    + "' has endpoint " + endpoint + ", which is not a2a: followed by an http(s) URL", false, null));
        }
        String version = agent.metadata().get(A2aAgents.PROTOCOL_VERSION_KEY);
        A2aProtocol protocol = A2aProtocol.of(version);
        if (protocol == null) {
            return CompletableFuture.failedFuture(new TransportException(SCHEME, endpoint, "Agent '" + agent.id()
                    + "' speaks A2A " + version + "; this transport speaks 1.0 and 0.3", false, null));
        }
        Call call = new Call(agent, envelope, url, protocol);
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new TransportException(SCHEME, endpoint, "The a2a transport is closed", true, null));
            }
            start();
            calls.add(call);
        }
        call.future.whenComplete((r, e) -> {
            calls.remove(call);
            if (call.future.isCancelled()) {
                call.cancelRemote("the attempt was cancelled (caller cancelled, deadline passed or orchestrator closed)");
            }
        });
        call.send();
        return call.future;
    }

    /** Creates the client and the timer on first use, so a transport that never sends starts no thread. */
    private void start() {
        if (client != null) {
            return;
        }
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "orchestrator-a2a-" + id + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor).build();
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "orchestrator-a2a-poll-" + id);
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
        throw new TransportException(SCHEME, agent.endpoint().toString(), "The a2a transport reaches remote A2A agents only; "
                + "serving an agent over A2A is not supported yet (host it with http: or a broker transport)", false, null);
    }

    @Override
    public void close() {
        ExecutorService e;
        ScheduledThreadPoolExecutor t;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            e = executor;
            t = timer;
        }
        for (Call call : calls) {
            call.future.completeExceptionally(new TransportException(SCHEME, call.agent.endpoint().toString(),
                    "The a2a transport closed while task " + call.envelope.taskId() + " was running", true, null));
            call.cancelRemote("the transport closed");
        }
        if (t != null) {
            t.shutdownNow();
        }
        // The client needs its threads to deliver the cancels just sent (by the engine or above).
        CompletableFuture<?>[] pending = cancels.toArray(CompletableFuture[]::new);
        if (pending.length > 0) {
            try {
                CompletableFuture.allOf(pending).get(CLOSE_CANCEL_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ignored) {
                // A cancel that failed or hangs is the agent's problem now; each is logged at DEBUG.
            }
        }
        if (e != null) {
            e.shutdownNow();
        }
    }

    /** A JSON-RPC error object, or an HTTP status that is not retryable. */
    private static final class RpcFailure extends RuntimeException {
        final String errorCode;

        RpcFailure(String errorCode, String message) {
            super(message, null, false, false);
            this.errorCode = errorCode;
        }
    }

    /** One attempt of one task on one agent, from send until the remote task settles. */
    private final class Call {
        final AgentDescriptor agent;
        final TaskEnvelope envelope;
        final URI url;
        final A2aProtocol protocol;
        final CompletableFuture<ResultEnvelope> future = new CompletableFuture<>();
        final AtomicBoolean cancelSent = new AtomicBoolean();
        volatile String remoteId;
        long pollMillis = FIRST_POLL_MILLIS;
        int pollFailures;

        Call(AgentDescriptor agent, TaskEnvelope envelope, URI url, A2aProtocol protocol) {
            this.agent = agent;
            this.envelope = envelope;
            this.url = url;
            this.protocol = protocol;
        }

        void send() {
            ObjectNode metadata = JSON.createObjectNode();
            metadata.put("capability", envelope.capability());
            metadata.put("taskId", envelope.taskId());
            metadata.put("attempt", envelope.attempt());
            metadata.put("priority", envelope.priority());
            if (envelope.deadlineEpochMillis() > 0) {
                metadata.put("deadlineEpochMillis", envelope.deadlineEpochMillis());
            }
            if (envelope.key() != null) {
                metadata.put("key", envelope.key());
            }
            if (!envelope.headers().isEmpty()) {
                ObjectNode headers = metadata.putObject("headers");
                envelope.headers().forEach(headers::put);
            }
            ObjectNode params = protocol.sendParams(envelope.taskId() + ":" + envelope.attempt(), envelope.payload().toByteArray(), metadata);
            rpc(protocol.sendMethod, params).whenComplete((result, error) -> {
                if (error != null) {
                    Throwable cause = unwrap(error);
                    if (cause instanceof RpcFailure) {
                        RpcFailure f = (RpcFailure) cause;
                        future.complete(ResultEnvelope.failure(envelope.taskId(), agent.id(), f.errorCode, f.getMessage(), false));
                    } else {
                        future.completeExceptionally(cause);
                    }
                    return;
                }
                JsonNode task = result.isObject() ? protocol.taskOfSendResult(result) : null;
                if (task == null || !task.isObject()) {
                    JsonNode message = result.isObject() ? protocol.messageOfSendResult(result) : null;
                    if (message != null && message.isObject() && message.has("parts")) {
                        // A plain message instead of a task: the agent answered at once.
                        try {
                            complete(success(message.get("parts")));
                        } catch (RuntimeException e) {
                            malformed("the message cannot be read (" + e.getMessage() + ")");
                        }
                    } else {
                        malformed("the result of " + protocol.sendMethod + " holds neither a task nor a message");
                    }
                    return;
                }
                JsonNode id = task.get("id");
                if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
                    malformed("the task returned by " + protocol.sendMethod + " has no id");
                    return;
                }
                remoteId = id.textValue();
                if (future.isDone()) {
                    // Cancelled while the send was on its way: the task id is known only now.
                    cancelRemote("the attempt was cancelled while the task was being sent");
                    return;
                }
                follow(task);
            });
        }

        /** Completes with the settled task's result, or asks again later. */
        void follow(JsonNode task) {
            JsonNode status = task.get("status");
            A2aProtocol.State state = A2aProtocol.State.parse(status == null ? null : status.path("state").asText(null));
            if (state.settled()) {
                try {
                    complete(toResult(state, task));
                } catch (RuntimeException e) {
                    // Bad base64 in a part and the like: the task must still end, with a clear error.
                    malformed("the settled task cannot be read (" + e.getMessage() + ")");
                }
                return;
            }
            if (future.isDone()) {
                return;
            }
            long deadline = envelope.deadlineEpochMillis();
            if (deadline > 0 && clock.millis() > deadline + DEADLINE_MARGIN_MILLIS) {
                // The engine ends the task at its deadline; this only guards direct users of the transport.
                future.completeExceptionally(new TransportException(SCHEME, agent.endpoint().toString(), "A2A task " + remoteId
                        + " still " + state.wireName() + " after the deadline of task " + envelope.taskId(), false, null));
                cancelRemote("its deadline passed");
                return;
            }
            long delay = pollMillis;
            pollMillis = Math.min(maxPollMillis, pollMillis * 2);
            try {
                timer.schedule(this::poll, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                future.completeExceptionally(new TransportException(SCHEME, agent.endpoint().toString(), "The a2a transport closed", true, e));
            }
        }

        void poll() {
            if (future.isDone()) {
                return;
            }
            rpc(protocol.getMethod, protocol.taskIdParams(remoteId)).whenComplete((task, error) -> {
                if (error == null && task.isObject()) {
                    pollFailures = 0;
                    follow(task);
                    return;
                }
                Throwable cause = error == null ? new IllegalStateException("the result of " + protocol.getMethod + " is not a task")
                        : unwrap(error);
                if (cause instanceof RpcFailure || ++pollFailures >= MAX_POLL_FAILURES) {
                    // The agent took the task: trying another agent could run it twice.
                    future.completeExceptionally(new TransportException(SCHEME, agent.endpoint().toString(), "Lost track of A2A task "
                            + remoteId + " (task " + envelope.taskId() + ") on agent '" + agent.id() + "': " + cause.getMessage(), false,
                            cause));
                    cancelRemote("it could not be followed");
                    return;
                }
                log.debug("Asking agent {} for A2A task {} failed ({} in a row): {}", agent.id(), remoteId, pollFailures, cause.toString());
                follow(JSON.createObjectNode());
            });
        }

        /** The reply for a task that settled in {@code state}. */
        ResultEnvelope toResult(A2aProtocol.State state, JsonNode task) {
            String said = A2aProtocol.textOf(task.path("status").get("message"));
            String detail = said.isEmpty() ? "" : ": " + said;
            String taskId = envelope.taskId();
            return switch (state) {
                case COMPLETED -> {
                    JsonNode artifacts = task.get("artifacts");
                    if (artifacts != null && artifacts.isArray() && !artifacts.isEmpty()) {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        for (JsonNode artifact : artifacts) {
                            A2aProtocol.appendParts(artifact.get("parts"), out);
                        }
                        yield ResultEnvelope.success(taskId, agent.id(), Payload.wrap(out.toByteArray()));
                    }
                    yield success(task.path("status").path("message").get("parts"));
                }
                case FAILED -> ResultEnvelope.failure(taskId, agent.id(), "a2a-failed", "A2A task " + remoteId + " failed" + detail, false);
                case REJECTED -> ResultEnvelope.failure(taskId, agent.id(), "a2a-rejected", "A2A task " + remoteId + " was rejected by the agent"
                        + detail, true);
                case CANCELED -> ResultEnvelope.failure(taskId, agent.id(), "a2a-canceled", "A2A task " + remoteId
                        + " was canceled on the agent's side" + detail, false);
                case INPUT_REQUIRED -> ResultEnvelope.failure(taskId, agent.id(), "a2a-input-required", "A2A task " + remoteId
                        + " needs more input, which the orchestrator cannot give (continue it over A2A with that task id)" + detail, false);
                case AUTH_REQUIRED -> ResultEnvelope.failure(taskId, agent.id(), "a2a-auth-required", "A2A task " + remoteId
                        + " needs authentication, which the orchestrator does not provide yet" + detail, false);
                default -> throw new IllegalStateException("not a settled state: " + state);
            };
        }

        ResultEnvelope success(JsonNode parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            A2aProtocol.appendParts(parts, out);
            return ResultEnvelope.success(envelope.taskId(), agent.id(), Payload.wrap(out.toByteArray()));
        }

        void complete(ResultEnvelope result) {
            future.complete(result);
        }

        void malformed(String what) {
            future.completeExceptionally(new TransportException(SCHEME, agent.endpoint().toString(), "Malformed A2A reply from agent '"
                    + agent.id() + "' for task " + envelope.taskId() + ": " + what, false, null));
        }

        /** Asks the agent to cancel the remote task, once; best effort, never awaited. */
        void cancelRemote(String why) {
            String rid = remoteId;
            if (rid == null || !cancelSent.compareAndSet(false, true)) {
                return;
            }
            log.debug("Cancelling A2A task {} (task {}) on agent {}: {}", rid, envelope.taskId(), agent.id(), why);
            try {
                CompletableFuture<JsonNode> cancel = rpc(protocol.cancelMethod, protocol.taskIdParams(rid));
                cancels.add(cancel);
                cancel.whenComplete((r, e) -> {
                    cancels.remove(cancel);
                    if (e != null) {
                        log.debug("Agent {} did not cancel A2A task {}: {}", agent.id(), rid, unwrap(e).getMessage());
                    }
                });
            } catch (RuntimeException e) {
                log.debug("Could not send the cancel of A2A task {} to agent {}: {}", rid, agent.id(), e.toString());
            }
        }

        /** One JSON-RPC call; completes with its result, a TransportException, or an RpcFailure. */
        CompletableFuture<JsonNode> rpc(String method, ObjectNode params) {
            ObjectNode body = JSON.createObjectNode();
            body.put("jsonrpc", "2.0");
            body.put("id", rpcIds.incrementAndGet());
            body.put("method", method);
            body.set("params", params);
            long remaining = envelope.deadlineEpochMillis() > 0 ? envelope.deadlineEpochMillis() - clock.millis() : 30_000;
            HttpRequest.Builder request = HttpRequest.newBuilder(url)
                    .timeout(Duration.ofMillis(Math.max(1_000, remaining + DEADLINE_MARGIN_MILLIS)))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toString().getBytes(StandardCharsets.UTF_8)));
            if (protocol == A2aProtocol.V1) {
                request.header(A2aProtocol.VERSION_HEADER, protocol.version());
            }
            String traceparent = envelope.headers().get("traceparent");
            if (traceparent != null) {
                request.header("traceparent", traceparent);
            }
            String endpoint = agent.endpoint().toString();
            // A declared length above the limit is refused unread; a chunked body is checked once read.
            HttpResponse.BodyHandler<byte[]> limited = info -> info.headers().firstValueAsLong("Content-Length").orElse(-1) > maxBodyBytes
                    ? HttpResponse.BodySubscribers.replacing(null) : HttpResponse.BodySubscribers.ofByteArray();
            return client.sendAsync(request.build(), limited).handle((response, error) -> {
                if (error != null) {
                    Throwable cause = unwrap(error);
                    throw new CompletionException(new TransportException(SCHEME, endpoint, method + " to " + url + " failed: " + cause, true,
                            cause));
                }
                byte[] bytes = response.body();
                if (bytes == null || bytes.length > maxBodyBytes) {
                    throw new CompletionException(new TransportException(SCHEME, endpoint, "Reply of " + url + " to " + method
                            + " exceeds " + maxBodyBytes + " bytes", false, null));
                }
                JsonNode reply = null;
                try {
                    reply = JSON.readTree(bytes);
                } catch (IOException e) {
                    // Not JSON: judged by the status below.
                }
                JsonNode rpcError = reply == null ? null : reply.get("error");
                if (rpcError != null && rpcError.isObject()) {
                    int code = rpcError.path("code").asInt(0);
                    String message = rpcError.path("message").asText("");
                    String hint = code == -32601 ? " (the agent may speak another A2A version than " + protocol.version() + ")" : "";
                    throw new CompletionException(new RpcFailure("a2a-rpc-error", "JSON-RPC error " + code + " from " + url + " on "
                            + method + ": " + message + hint));
                }
                int status = response.statusCode();
                if (status / 100 != 2) {
                    if (RETRYABLE_STATUS.contains(status)) {
                        throw new CompletionException(new TransportException(SCHEME, endpoint, "HTTP " + status + " from " + url + " on " + method));
                    }
                    throw new CompletionException(new RpcFailure("http-" + status, "HTTP " + status + " from " + url + " on " + method));
                }
                JsonNode result = reply == null ? null : reply.get("result");
                if (result == null) {
                    throw new CompletionException(new TransportException(SCHEME, endpoint, "Malformed JSON-RPC reply from " + url + " on "
                            + method + ": no result and no error", false, null));
                }
                return result;
            });
        }
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
