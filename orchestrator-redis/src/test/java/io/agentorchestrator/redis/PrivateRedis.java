package io.agentorchestrator.redis;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import redis.clients.jedis.RedisClient;

/**
 * A redis-server of the test's own, on a free port, with no persistence, that the test may stop
 * and start again (the shared Redis is never restarted).
 */
final class PrivateRedis implements AutoCloseable {

    private final int port;
    private final Path dir;
    private final List<String> extra;

    private PrivateRedis(int port, Path dir, List<String> extra) {
        this.port = port;
        this.dir = dir;
        this.extra = extra;
    }

    static boolean installed() {
        return TestRedis.onPath("redis-server");
    }

    /** Starts one on a free port and waits until it answers PING. */
    static PrivateRedis start() {
        if (!installed()) {
            throw new AssertionError("redis-server is not installed; install it (Debian/Ubuntu: sudo apt-get install -y redis-server; "
                    + "macOS: brew install redis): this test restarts a Redis of its own.");
        }
        try {
            PrivateRedis r = new PrivateRedis(freePort(), Files.createTempDirectory("ao-redis-"), List.of());
            r.startServer();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts one that speaks only TLS, with a self-signed certificate for 127.0.0.1 made with
     * openssl; {@link #certificate()} is what a client must trust.
     */
    static PrivateRedis startTls() {
        return startTls(false);
    }

    /**
     * Like {@link #startTls()}; with {@code clientCertificates} the server also demands a client
     * certificate signed by its own (self-signed) one, and {@link #keystore()} holds such a client key.
     */
    static PrivateRedis startTls(boolean clientCertificates) {
        if (!installed() || !TestRedis.onPath("openssl") || !TestRedis.onPath("keytool")) {
            throw new AssertionError("redis-server and openssl are needed for the TLS test; install them "
                    + "(Debian/Ubuntu: sudo apt-get install -y redis-server openssl)");
        }
        try {
            Path dir = Files.createTempDirectory("ao-redis-tls-");
            run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir.resolve("key.pem").toString(), "-out",
                    dir.resolve("cert.pem").toString()));
            run(List.of("keytool", "-importcert", "-noprompt", "-alias", "redis", "-file", dir.resolve("cert.pem").toString(),
                    "-keystore", dir.resolve("trust.p12").toString(), "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD));
            if (clientCertificates) {
                run(List.of("openssl", "pkcs12", "-export", "-in", dir.resolve("cert.pem").toString(), "-inkey",
                        dir.resolve("key.pem").toString(), "-name", "client", "-out", dir.resolve("client.p12").toString(), "-passout",
                        "pass:" + TRUSTSTORE_PASSWORD));
            }
            PrivateRedis r = new PrivateRedis(freePort(), dir, List.of("--tls-cert-file", dir.resolve("cert.pem").toString(),
                    "--tls-key-file", dir.resolve("key.pem").toString(), "--tls-ca-cert-file", dir.resolve("cert.pem").toString(),
                    "--tls-auth-clients", clientCertificates ? "yes" : "no"));
            r.startServer();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final String TRUSTSTORE_PASSWORD = "changeit";

    /** A PKCS12 key store with a client key and certificate the server accepts (see {@link #startTls(boolean)}). */
    Path keystore() {
        return dir.resolve("client.p12");
    }

    /** A PKCS12 trust store holding the TLS server's self-signed certificate. */
    Path truststore() {
        return dir.resolve("trust.p12");
    }

    private boolean tls() {
        return !extra.isEmpty();
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    void startServer() {
        List<String> command = new java.util.ArrayList<>(List.of("redis-server", "--port", tls() ? "0" : String.valueOf(port), "--bind",
                "127.0.0.1", "--daemonize", "yes", "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--pidfile",
                dir.resolve("redis.pid").toString()));
        if (tls()) {
            command.addAll(List.of("--tls-port", String.valueOf(port)));
            command.addAll(extra);
        }
        run(command);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                .until(tls() ? this::listening : this::answers);
    }

    /**
     * Stops the server without saving (SIGTERM to the pid in its pidfile: works whatever its ACLs)
     * and waits until it is gone.
     */
    @SuppressWarnings("deprecation") // sendCommand: the plain way to send SHUTDOWN
    void stopServer() {
        Path pidfile = dir.resolve("redis.pid");
        try {
            if (Files.exists(pidfile)) {
                long pid = Long.parseLong(Files.readString(pidfile).trim());
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.destroy();
                    p.onExit().orTimeout(20, TimeUnit.SECONDS).join();
                });
            } else {
                try (RedisClient c = RedisClient.create(uri())) {
                    c.sendCommand(redis.clients.jedis.Protocol.Command.SHUTDOWN, "NOSAVE");
                } catch (RuntimeException expected) {
                    // The server closes the connection as it exits.
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new AssertionError("Could not read " + pidfile, e);
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> !listening());
    }

    private boolean listening() {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops and starts the server on the same port; its data is gone. */
    void restart() {
        stopServer();
        startServer();
    }

    boolean answers() {
        try (RedisClient c = RedisClient.create(uri())) {
            return "PONG".equals(c.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (listening()) {
            stopServer();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temp directory left behind is harmless.
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("Could not start redis-server: " + String.join(" ", command));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while starting redis-server", e);
        }
    }
}
