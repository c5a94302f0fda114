package io.agentorchestrator.core.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.ResultEnvelope;
import io.agentorchestrator.api.TaskEnvelope;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.TransportProvider;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.wire.EnvelopeCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code http:}/{@code https:} transport: the task envelope is POSTed as JSON to the agent's
 * endpoint URL and the result envelope comes back as the response body. Uses the JDK's
 * {@code java.net.http} client (connection reuse, HTTP/2 where the agent offers it) and, on the
 * agent side, the JDK's {@code HttpServer}; no other dependency.
 *
 * <p>Status codes: 2xx carries a result envelope; 408, 429, 502, 503 and 504 are retryable
 * transport failures (another agent is tried); any other status is a non-retryable failure with
 * error code {@code http-<status>}. Each request's timeout is what is left of the task's
 * deadline. Responses above the size limit are refused.
 */
public final class HttpTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);

    /** Largest response (and, on the agent side, request) body accepted: 16 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 16 << 20;
    /** How long past the task's deadline a request may stay open. */
    static final long DEADLINE_MARGIN_MILLIS = 1_000;
    /** Time to open a connection to an agent. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private static final Set<Integer> RETRYABLE_STATUS = Set.of(408, 429, 502, 503, 504);
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Agent-side servers, one per listening address, shared by every transport of the JVM. */
    private static final Map<String, SharedServer> SERVERS = new ConcurrentHashMap<>();

    private final String scheme;
    private final int maxBodyBytes;
    private final Clock clock;
    private final ExecutorService executor;
    private final HttpClient client;

    HttpTransport(String scheme, int maxBodyBytes, Clock clock) {
        this.scheme = scheme;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
        int id = IDS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "orchestrator-http-" + id + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).executor(executor).build();
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public CompletableFuture<ResultEnvelope> send(AgentDescriptor agent, TaskEnvelope envelope) {
        URI endpoint = agent.endpoint();
        long remaining = envelope.deadlineEpochMillis() > 0 ? envelope.deadlineEpochMillis() - clock.millis() : 30_000;
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                // A little past the deadline: the engine's own timer ends the task at the deadline
                // with the right exception; this only frees the connection of an agent that hangs.
                .timeout(Duration.ofMillis(Math.max(1, remaining) + DEADLINE_MARGIN_MILLIS))
                .header("Content-Type", "application/json")
                .header("X-Task-Id", envelope.taskId())
                .POST(HttpRequest.BodyPublishers.ofByteArray(EnvelopeCodec.encodeTask(envelope)))
                .build();
        return client.sendAsync(request, info -> new LimitedBody(maxBodyBytes))
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                        throw new CompletionException(new TransportException(scheme, endpoint.toString(),
                                "POST to " + endpoint + " failed: " + cause, true, cause));
                    }
                    return toResult(agent, envelope, response);
                });
    }

    private ResultEnvelope toResult(AgentDescriptor agent, TaskEnvelope envelope, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        String endpoint = agent.endpoint().toString();
        if (status / 100 == 2) {
            try {
                ResultEnvelope result = EnvelopeCodec.decodeResult(response.body());
                if (!result.taskId().equals(envelope.taskId())) {
                    throw new ValidationException("taskId", "must be the id of the task sent (" + envelope.taskId() + ")", result.taskId());
                }
                if (result.attempt() != 0 && result.attempt() != envelope.attempt()) {
                    throw new ValidationException("attempt", "must be the attempt sent (" + envelope.attempt() + ")", result.attempt());
                }
                return result;
            } catch (ValidationException e) {
                throw new CompletionException(new TransportException(scheme, endpoint,
                        "Malformed reply from " + endpoint + ": " + e.getMessage(), false, e));
            }
        }
        if (RETRYABLE_STATUS.contains(status)) {
            throw new CompletionException(new TransportException(scheme, endpoint, "HTTP " + status + " from " + endpoint));
        }
        return ResultEnvelope.failure(envelope.taskId(), agent.id(), "http-" + status, "HTTP " + status + " from " + endpoint + ": "
                + snippet(response.body()), false);
    }

    private static String snippet(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
        return s.isBlank() ? "(empty body)" : s;
    }

    @Override
    public Listener listen(AgentDescriptor agent, TaskReceiver receiver) {
        URI endpoint = agent.endpoint();
        if (!"http".equals(agent.scheme())) {
            throw new TransportException(scheme, endpoint.toString(),
                    "Serving an agent over " + agent.scheme() + " needs TLS set up in front of it; the built-in server speaks plain http",
                    false, null);
        }
        String host = endpoint.getHost() == null ? "127.0.0.1" : endpoint.getHost();
        int port = endpoint.getPort() < 0 ? 80 : endpoint.getPort();
        String path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
        String address = host + ":" + port;
        SharedServer server;
        synchronized (SERVERS) {
            server = SERVERS.get(address);
            if (server == null) {
                server = new SharedServer(address, new InetSocketAddress(host, port));
                SERVERS.put(address, server);
            }
            server.add(path, agent.id(), receiver, maxBodyBytes);
        }
        SharedServer s = server;
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                synchronized (SERVERS) {
                    if (s.remove(path)) {
                        SERVERS.remove(address, s);
                    }
                }
            }
        };
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** A response body subscriber that refuses bodies above a size. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int limit;
        private final HttpResponse.BodySubscriber<byte[]> bytes = HttpResponse.BodySubscribers.ofByteArray();
        private Flow.Subscription subscription;
        private long received;
        private boolean failed;

        LimitedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return bytes.getBody();
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            bytes.onSubscribe(s);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (failed) {
                return;
            }
            for (ByteBuffer b : items) {
                received += b.remaining();
            }
            if (received > limit) {
                failed = true;
                subscription.cancel();
                bytes.onError(new IOException("response body exceeds " + limit + " bytes"));
                return;
            }
            bytes.onNext(items);
        }

        @Override
        public void onError(Throwable t) {
            if (!failed) {
                bytes.onError(t);
            }
        }

        @Override
        public void onComplete() {
            if (!failed) {
                bytes.onComplete();
            }
        }
    }

    /** One JDK {@code HttpServer} on one address, with a context per agent path. */
    private static final class SharedServer {
        private final String address;
        private final HttpServer server;
        private final ExecutorService executor;
        private final Map<String, Set<HttpExchange>> pending = new ConcurrentHashMap<>();

        SharedServer(String address, InetSocketAddress bind) {
            this.address = address;
            try {
                this.server = HttpServer.create(bind, 0);
            } catch (IOException e) {
                throw new TransportException("http", address, "Cannot listen on " + address + ": " + e.getMessage(), false, e);
            }
            AtomicInteger threads = new AtomicInteger();
            this.executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "orchestrator-http-agent-" + address + "-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            server.start();
            log.info("Serving agents over http on {}", address);
        }

        void add(String path, String agentId, TaskReceiver receiver, int maxBodyBytes) {
            if (pending.putIfAbsent(path, ConcurrentHashMap.newKeySet()) != null) {
                throw new TransportException("http", address + path, "Another agent is already listening at http://" + address + path, false,
                        null);
            }
            Set<HttpExchange> open = pending.get(path);
            server.createContext(path, exchange -> handle(exchange, path, agentId, receiver, maxBodyBytes, open));
        }

        /** Removes the path, cutting its unanswered exchanges; returns whether the server stopped. */
        boolean remove(String path) {
            Set<HttpExchange> open = pending.remove(path);
            server.removeContext(path);
            if (open != null) {
                for (HttpExchange exchange : open) {
                    exchange.close();
                }
            }
            if (pending.isEmpty()) {
                server.stop(0);
                executor.shutdownNow();
                return true;
            }
            return false;
        }

        private void handle(HttpExchange exchange, String path, String agentId, TaskReceiver receiver, int maxBodyBytes,
                Set<HttpExchange> open) throws IOException {
            if (!exchange.getRequestURI().getRawPath().equals(path)) {
                respond(exchange, 404, "{\"error\":\"no agent at this path\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Allow", "POST");
                respond(exchange, 405, "{\"error\":\"POST a task envelope\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(maxBodyBytes + 1);
            }
            if (body.length > maxBodyBytes) {
                respond(exchange, 413, ("{\"error\":\"body above " + maxBodyBytes + " bytes\"}").getBytes(StandardCharsets.UTF_8));
                return;
            }
            TaskEnvelope task;
            try {
                task = EnvelopeCodec.decodeTask(body);
            } catch (ValidationException e) {
                respond(exchange, 400, ("{\"error\":" + quote(e.getMessage()) + "}").getBytes(StandardCharsets.UTF_8));
                return;
            }
            open.add(exchange);
            AtomicBoolean answered = new AtomicBoolean();
            receiver.onTask(task, result -> {
                if (answered.compareAndSet(false, true) && open.remove(exchange)) {
                    try {
                        respond(exchange, 200, EnvelopeCodec.encodeResult(result.withAttempt(task.attempt())));
                    } catch (IOException e) {
                        log.debug("Agent {} could not send its reply to task {}: {}", agentId, task.taskId(), e.toString());
                    }
                }
            });
        }

        private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }

        private static String quote(String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + "\"";
        }
    }

    /** Serves {@code http:} and {@code https:}. */
    public static final class Provider implements TransportProvider {

        /** Used by {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public Set<String> schemes() {
            return Set.of("http", "https");
        }

        /** Options in the query string: {@code maxBodyBytes} (default 16 MiB). */
        @Override
        public Transport create(URI uri) {
            int maxBody = DEFAULT_MAX_BODY_BYTES;
            String query = uri.getQuery();
            if (query != null) {
                for (String pair : query.split("&")) {
                    String[] kv = pair.split("=", 2);
                    if (kv[0].equals("maxBodyBytes") && kv.length == 2) {
                        try {
                            maxBody = ValidationException.requireInRange(Integer.parseInt(kv[1]), 1, 512 << 20, "maxBodyBytes");
                        } catch (NumberFormatException e) {
                            throw new ValidationException("maxBodyBytes", "must be a whole number", kv[1]);
                        }
                    } else {
                        throw new ValidationException("transport", "has an unknown option '" + kv[0] + "' (known: maxBodyBytes)", uri.toString());
                    }
                }
            }
            return new HttpTransport(uri.getScheme().toLowerCase(java.util.Locale.ROOT), maxBody, Clock.systemUTC());
        }
    }
}
