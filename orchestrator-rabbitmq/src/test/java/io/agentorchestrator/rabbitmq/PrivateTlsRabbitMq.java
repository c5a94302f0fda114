package io.agentorchestrator.rabbitmq;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway RabbitMQ node with only a TLS listener, for the TLS tests: its own ports, its own
 * epmd, its own data and log directories under a temp dir, a CA and a server certificate for
 * {@code localhost}/{@code 127.0.0.1} made with openssl at start. Never touches the shared broker
 * on 5672 or /etc/rabbitmq. {@link #close()} stops the node and its epmd and deletes the directory.
 */
final class PrivateTlsRabbitMq implements AutoCloseable {

    static final String TRUSTSTORE_PASSWORD = "changeit";
    private static final Path BIN = Path.of("/usr/lib/rabbitmq/bin");
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final Path dir;
    private final String node;
    private final int tlsPort;
    private final int epmdPort;
    private final Map<String, String> env;

    private PrivateTlsRabbitMq(Path dir, String node, int tlsPort, int epmdPort, Map<String, String> env) {
        this.dir = dir;
        this.node = node;
        this.tlsPort = tlsPort;
        this.epmdPort = epmdPort;
        this.env = env;
    }

    /**
     * Generates the certificates, starts the node and waits until its TLS port accepts connections.
     *
     * @throws AssertionError saying what to install when the binaries are missing, or what failed
     */
    static PrivateTlsRabbitMq start() throws IOException {
        if (!Files.isExecutable(BIN.resolve("rabbitmq-server")) || !onPath("openssl") || !onPath("keytool") || !onPath("epmd")) {
            throw new AssertionError("The TLS test starts a private RabbitMQ node and needs " + BIN + "/rabbitmq-server, epmd, openssl "
                    + "and keytool; install them (Debian/Ubuntu: sudo apt-get install -y rabbitmq-server openssl)");
        }
        Path dir = Files.createTempDirectory("rabbit-tls-");
        String node = "tls-" + UUID.randomUUID().toString().substring(0, 8) + "@localhost";
        int[] ports = freePorts(4);
        int tlsPort = ports[0];
        int nodePort = ports[1];
        int distPort = ports[2];
        int epmdPort = ports[3];
        certificates(dir);
        Files.createDirectories(dir.resolve("home"));
        Files.writeString(dir.resolve("env.conf"), "");
        Files.writeString(dir.resolve("rabbitmq.conf"), String.join("\n",
                "listeners.tcp = none",
                "listeners.ssl.default = " + tlsPort,
                "ssl_options.cacertfile = " + dir.resolve("ca.pem"),
                "ssl_options.certfile = " + dir.resolve("server.pem"),
                "ssl_options.keyfile = " + dir.resolve("server.key"),
                // Asks for a client certificate and checks it against the CA when one is sent, without
                // requiring one: the tests without a key store connect as before.
                "ssl_options.verify = verify_peer",
                "ssl_options.fail_if_no_peer_cert = false",
                ""));
        Map<String, String> env = Map.of(
                "HOME", dir.resolve("home").toString(),
                "RABBITMQ_NODENAME", node,
                "RABBITMQ_NODE_PORT", Integer.toString(nodePort),
                "RABBITMQ_DIST_PORT", Integer.toString(distPort),
                "ERL_EPMD_PORT", Integer.toString(epmdPort),
                "RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString(),
                "RABBITMQ_LOG_BASE", dir.resolve("log").toString(),
                "RABBITMQ_PID_FILE", dir.resolve("rabbitmq.pid").toString(),
                "RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString(),
                "RABBITMQ_CONF_ENV_FILE", dir.resolve("env.conf").toString());
        PrivateTlsRabbitMq broker = new PrivateTlsRabbitMq(dir, node, tlsPort, epmdPort, env);
        try {
            broker.run(List.of(BIN.resolve("rabbitmq-server").toString(), "-detached"), 30);
            await().atMost(STARTUP).pollInterval(Duration.ofMillis(200)).until(broker::accepting);
        } catch (RuntimeException | Error e) {
            String log = broker.logTail();
            broker.close();
            throw new AssertionError("The private TLS RabbitMQ node " + node + " did not open port " + tlsPort + " within " + STARTUP
                    + ": " + e + "\nlog tail:\n" + log, e);
        }
        return broker;
    }

    /** The TLS (AMQPS) port. */
    int port() {
        return tlsPort;
    }

    /** A PKCS12 trust store holding the CA that signed the node's certificate. */
    Path truststore() {
        return dir.resolve("trust.p12");
    }

    /** Stops the node (then its epmd) and deletes its directory; bounded, never throws. */
    @Override
    public void close() {
        try {
            run(List.of(BIN.resolve("rabbitmqctl").toString(), "-n", node, "stop", dir.resolve("rabbitmq.pid").toString()), 30);
        } catch (RuntimeException e) {
            // Not started far enough to be stopped politely: kill what the pid file names.
            killPidFile();
        }
        try {
            run(List.of("epmd", "-port", Integer.toString(epmdPort), "-kill"), 10);
        } catch (RuntimeException e) {
            // No epmd of ours is left: nothing to do.
        }
        deleteQuietly(dir);
    }

    private boolean accepting() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", tlsPort), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void certificates(Path dir) throws IOException {
        String d = dir.toString() + File.separator;
        Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        run(dir, null, List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=orchestrator-test-ca",
                "-keyout", d + "ca.key", "-out", d + "ca.pem"), 60);
        run(dir, null, List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                "-keyout", d + "server.key", "-out", d + "server.csr"), 60);
        run(dir, null, List.of("openssl", "x509", "-req", "-days", "1", "-in", d + "server.csr", "-CA", d + "ca.pem", "-CAkey", d + "ca.key",
                "-CAcreateserial", "-extfile", d + "ext.cnf", "-out", d + "server.pem"), 60);
        run(dir, null, List.of("keytool", "-importcert", "-noprompt", "-alias", "test-ca", "-file", d + "ca.pem",
                "-keystore", d + "trust.p12", "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD), 60);
        // A client certificate signed by the same CA, for the key store option.
        run(dir, null, List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + CLIENT_CN,
                "-keyout", d + "client.key", "-out", d + "client.csr"), 60);
        run(dir, null, List.of("openssl", "x509", "-req", "-days", "1", "-in", d + "client.csr", "-CA", d + "ca.pem", "-CAkey", d + "ca.key",
                "-CAcreateserial", "-out", d + "client.pem"), 60);
        run(dir, null, List.of("openssl", "pkcs12", "-export", "-in", d + "client.pem", "-inkey", d + "client.key", "-name", "client",
                "-out", d + "client.p12", "-passout", "pass:" + TRUSTSTORE_PASSWORD), 60);
    }

    /** Common name of the client certificate in {@link #keystore()}. */
    static final String CLIENT_CN = "orchestrator-test-client";

    /** A PKCS12 key store with a client key and a certificate signed by the node's CA. */
    Path keystore() {
        return dir.resolve("client.p12");
    }

    /** The certificate subjects the node's open connections presented, one per line ("" for none). */
    String connectionPeerSubjects() {
        return run(dir, env, List.of(BIN.resolve("rabbitmqctl").toString(), "-n", node, "-q", "list_connections", "--no-table-headers",
                "peer_cert_subject"), 30);
    }

    private void run(List<String> command, int timeoutSeconds) {
        run(dir, env, command, timeoutSeconds);
    }

    private static String run(Path dir, Map<String, String> env, List<String> command, int timeoutSeconds) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
            Path out = Files.createTempFile(dir, "cmd-", ".out");
            pb.redirectOutput(out.toFile());
            if (env != null) {
                // Inherited RABBITMQ_*/ERL_* settings must not point the node at the shared broker's files.
                pb.environment().keySet().removeIf(k -> k.startsWith("RABBITMQ_") || k.startsWith("ERL_"));
                pb.environment().putAll(env);
            }
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within " + timeoutSeconds + " s: " + Files.readString(out));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(command + " exited with " + p.exitValue() + ": " + Files.readString(out));
            }
            return Files.readString(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void killPidFile() {
        try {
            Path pidFile = dir.resolve("rabbitmq.pid");
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException e) {
            // Best effort: the node was probably never started.
        }
    }

    private String logTail() {
        try (Stream<Path> files = Files.walk(dir.resolve("log"))) {
            List<String> lines = new ArrayList<>();
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                lines.addAll(Files.readAllLines(f));
            }
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int[] freePorts(int n) throws IOException {
        // All held open together so the OS hands out distinct ports.
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String part : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(part, program))) {
                return true;
            }
        }
        return false;
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // A leftover temp dir is harmless.
        }
    }
}
