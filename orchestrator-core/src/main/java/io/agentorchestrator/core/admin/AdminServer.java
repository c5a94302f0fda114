package io.agentorchestrator.core.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.Orchestrator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API and dashboard served by the JDK's built-in HTTP server, for hosts without a web
 * server of their own. Started by {@code Orchestrator.builder().adminServer(config)} (and closed
 * with the orchestrator), or by {@link #start} for an orchestrator built elsewhere.
 *
 * <p>Requests run on a bounded pool of daemon threads {@code orchestrator-admin-N}; each
 * event-stream client holds one while connected, so the pool is sized for
 * {@link AdminServerConfig#maxEventClients()} plus ordinary requests. Open
 * {@code http://host:port/dashboard/#token=<token>} in a browser to watch the agents.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Threads for ordinary requests, on top of one per event-stream client. */
    static final int REQUEST_THREADS = 8;
    /** Requests waiting for a thread; beyond them the JDK server drops the connection rather than queue without bound. */
    static final int QUEUED_REQUESTS = 256;
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final HttpServer server;
    private final AdminApi api;
    private final ExecutorService executor;
    private final int maxRequestBytes;

    private AdminServer(HttpServer server, AdminApi api, ExecutorService executor, int maxRequestBytes) {
        this.server = server;
        this.api = api;
        this.executor = executor;
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Starts serving the admin API of {@code orchestrator}.
     *
     * @throws ValidationException  when an argument is null
     * @throws UncheckedIOException when the address cannot be bound (port in use...)
     */
    public static AdminServer start(Orchestrator orchestrator, AdminServerConfig config) {
        AdminApi api = AdminApi.create(orchestrator, config);
        int id = IDS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        int size = config.maxEventClients() + REQUEST_THREADS;
        ThreadPoolExecutor executor = new ThreadPoolExecutor(size, size, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(QUEUED_REQUESTS), r -> {
                    Thread t = new Thread(r, "orchestrator-admin-" + id + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        executor.allowCoreThreadTimeOut(true);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        } catch (IOException e) {
            api.close();
            executor.shutdownNow();
            throw new UncheckedIOException("Could not listen on " + config.host() + ":" + config.port() + " for the admin API", e);
        }
        AdminServer admin = new AdminServer(server, api, executor, config.maxRequestBytes());
        server.createContext("/", admin::exchange);
        server.setExecutor(executor);
        server.start();
        log.info("Admin API listening on {}", admin.uri());
        return admin;
    }

    /** The port listened on; the chosen one when the config said 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The server's base URI, e.g. {@code http://127.0.0.1:8091/}. */
    public URI uri() {
        String host = server.getAddress().getHostString();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
    }

    /** The API it serves, e.g. to mount the same handlers elsewhere too. */
    public AdminApi api() {
        return api;
    }

    private void exchange(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = readBody(exchange.getRequestBody());
            String client = exchange.getRemoteAddress().getAddress().getHostAddress();
            AdminRequest request = new AdminRequest(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body, client);
            AdminResponse response = api.handle(request);
            response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            if (response.stream() != null) {
                stream(exchange, response.stream());
                return;
            }
            boolean empty = response.body().length == 0 || exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(response.status(), empty ? -1 : response.body().length);
            if (!empty) {
                exchange.getResponseBody().write(response.body());
            }
        }
    }

    private byte[] readBody(InputStream in) throws IOException {
        // One byte past the limit is enough for the API to answer 413.
        return in.readNBytes(maxRequestBytes + 1);
    }

    private static void stream(HttpExchange exchange, AdminEventStream stream) throws IOException {
        try (stream) {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            String text;
            while ((text = stream.next(KEEP_ALIVE)) != null) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client went away; its slot is freed by closing the stream.
        }
    }

    /** Ends the event streams, stops listening and waits (up to 2 s) for requests in progress. Idempotent. */
    @Override
    public void close() {
        api.close();
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
