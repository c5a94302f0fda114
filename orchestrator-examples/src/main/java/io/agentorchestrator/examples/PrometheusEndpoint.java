package io.agentorchestrator.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves a {@link PrometheusMeterRegistry} at {@code http://127.0.0.1:PORT/metrics} in the
 * Prometheus text format, with the JDK's own HTTP server: what {@code --prometheus-port} starts so
 * that a Prometheus server (and the Grafana dashboard in {@code observability/}) can scrape the
 * demo. Loopback only, since the meters name agents and capabilities. Closing stops the server.
 */
final class PrometheusEndpoint implements AutoCloseable {

    /** Path the meters are served at. */
    static final String PATH = "/metrics";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpServer server;
    private final ExecutorService executor;

    private PrometheusEndpoint(HttpServer server) {
        this.server = server;
        // One named daemon thread: a scrape every few seconds needs no more, and it must not keep the JVM up.
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "prometheus-endpoint");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext(PATH, this::serve);
    }

    /**
     * Starts serving on {@code port} of the loopback interface; 0 picks a free port.
     *
     * @throws IOException when the port cannot be bound
     */
    static PrometheusEndpoint start(int port) throws IOException {
        PrometheusEndpoint endpoint = new PrometheusEndpoint(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0));
        endpoint.server.start();
        return endpoint;
    }

    /** The registry whose meters are served; give it to {@code Orchestrator.builder().meterRegistry(..)}. */
    PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The port served on. */
    int port() {
        return server.getAddress().getPort();
    }

    /** Where to scrape. */
    String url() {
        return "http://127.0.0.1:" + port() + PATH;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Allow", "GET");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        registry.close();
    }
}
