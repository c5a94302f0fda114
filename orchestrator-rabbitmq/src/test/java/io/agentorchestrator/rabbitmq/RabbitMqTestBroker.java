package io.agentorchestrator.rabbitmq;

import static org.assertj.core.api.Assertions.fail;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real RabbitMQ the integration tests run against: {@code RABBITMQ_URL}, or
 * {@code amqp://guest:guest@127.0.0.1:5672/}. When it is not reachable and {@code rabbitmq-server}
 * is installed, it is started; otherwise the test fails with how to install it. Never skipped.
 */
final class RabbitMqTestBroker {

    static final String URL = System.getenv().getOrDefault("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/");
    private static volatile boolean checked;
    private static volatile String lastProbeFailure;

    private RabbitMqTestBroker() {
    }

    /** Makes sure the broker answers, starting a local one if need be. */
    static synchronized void ensureRunning() {
        if (checked) {
            return;
        }
        if (!reachable()) {
            File server = new File("/usr/sbin/rabbitmq-server");
            if (!server.canExecute()) {
                fail("RabbitMQ is not reachable at " + URL + " (" + lastProbeFailure + ") and rabbitmq-server is not installed. Install and start it with:\n"
                        + "  sudo apt-get install -y rabbitmq-server && sudo rabbitmq-server -detached\n"
                        + "or point RABBITMQ_URL at a running broker (amqp://user:pass@host:5672/vhost).");
            }
            run(List.of("rabbitmq-server", "-detached"), 30);
            run(List.of("rabbitmqctl", "await_startup", "--timeout", "60"), 70);
            if (!reachable()) {
                fail("Started rabbitmq-server but it does not accept connections at " + URL + " (" + lastProbeFailure + "); see /var/log/rabbitmq/");
            }
        }
        checked = true;
    }

    private static boolean reachable() {
        try (Connection c = factory().newConnection("it-probe")) {
            return c.isOpen();
        } catch (Exception e) {
            lastProbeFailure = e + (e.getCause() == null ? "" : " caused by " + e.getCause());
            return false;
        }
    }

    static ConnectionFactory factory() {
        // Parsed as the transport parses it: ConnectionFactory.setUri reads a trailing '/' as the empty vhost.
        RabbitMqSettings s = RabbitMqSettings.parse(URI.create(URL));
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(s.host());
        f.setPort(s.port());
        f.setVirtualHost(s.virtualHost());
        f.setUsername(s.username());
        f.setPassword(s.password());
        f.setAutomaticRecoveryEnabled(false);
        f.setConnectionTimeout(3000);
        return f;
    }

    /** A transport URI on the test broker with a prefix of its own and queues that expire when left behind. */
    static String transportUri(String prefix, String extraOptions) {
        String base = URL.contains("?") ? URL + "&" : URL + "?";
        return base + "prefix=" + prefix + "&queueExpires=60s&replyQueueExpires=60s&recoveryInterval=250ms"
                + (extraOptions.isEmpty() ? "" : "&" + extraOptions);
    }

    /**
     * The environment of the Node worker {@code rabbitmq-agent.mjs} on the test broker under
     * {@code prefix}: its queue arguments must equal those of {@link #transportUri} (queueExpires=60s).
     */
    static Map<String, String> nodeEnvironment(String prefix) {
        String url = URL.split("\\?")[0];
        return Map.of("AO_BROKER", url.endsWith("/") ? url.substring(0, url.length() - 1) : url, "AO_PREFIX", prefix,
                "AO_QUEUE_EXPIRES_MS", "60000");
    }

    static String uniquePrefix(String name) {
        return "it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static RabbitMqTransport transport(String prefix, String extraOptions) {
        return (RabbitMqTransport) new RabbitMqTransportProvider().create(URI.create(transportUri(prefix, extraOptions)));
    }

    /** Deletes the exchanges and dead-letter queue a test prefix created (agent queues expire by themselves). */
    static void deleteTopology(String prefix) {
        try (Connection c = factory().newConnection("it-cleanup"); Channel ch = c.createChannel()) {
            ch.queueDelete(prefix + ".dead-letter");
            ch.exchangeDelete(prefix + ".tasks");
            ch.exchangeDelete(prefix + ".dead-letter");
            ch.exchangeDelete(prefix + ".directory");
            ch.exchangeDelete(prefix + ".directory-queries");
            ch.exchangeDelete(prefix + ".events");
        } catch (Exception e) {
            // Leftovers are harmless: names are unique per run.
        }
    }

    /**
     * Has the broker close the connections with these client-provided names (and no other: other
     * tests' connections on the same broker stay up).
     */
    static void closeConnectionsByName(List<String> connectionNames, String reason) {
        String listing = run(List.of("rabbitmqctl", "-q", "list_connections", "--no-table-headers", "pid", "client_properties"), 30);
        List<String> pids = new ArrayList<>();
        for (String line : listing.split("\n")) {
            // client_properties holds {"connection_name","<name>"}; the names are unique per run.
            int tab = line.indexOf('\t');
            for (String name : connectionNames) {
                if (tab > 0 && line.substring(tab).contains("{\"connection_name\",\"" + name + "\"}")) {
                    pids.add(line.substring(0, tab).trim());
                }
            }
        }
        if (pids.size() != connectionNames.size()) {
            fail("Expected one connection for each of " + connectionNames + " on the broker; rabbitmqctl listed:\n" + listing);
        }
        for (String pid : pids) {
            run(List.of("rabbitmqctl", "-q", "close_connection", pid, reason), 30);
        }
    }

    /** Name and arguments, one queue a line, of the queues whose names start with this prefix. */
    static List<String> queuesWithArguments(String namePrefix) {
        String listing = run(List.of("rabbitmqctl", "-q", "list_queues", "--no-table-headers", "name", "arguments"), 30);
        List<String> found = new ArrayList<>();
        for (String line : listing.split("\n")) {
            if (line.startsWith(namePrefix)) {
                found.add(line);
            }
        }
        return found;
    }

    private static String run(List<String> command, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                fail(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out);
            }
            return out;
        } catch (IOException e) {
            return fail("Could not run " + String.join(" ", command) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("Interrupted running " + String.join(" ", command));
        }
    }
}
