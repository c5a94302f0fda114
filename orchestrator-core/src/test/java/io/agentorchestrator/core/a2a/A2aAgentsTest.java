package io.agentorchestrator.core.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Task;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.Orchestrator;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reading agent cards: fields mapped, bad cards rejected naming the field, unreachable cards a typed error. */
class A2aAgentsTest {

    private static final URI CARD_URL = URI.create("http://127.0.0.1:9/.well-known/agent-card.json");

    private static final String V1_CARD = """
            {"name": "Recipe Agent", "description": "Helps with recipes", "version": "2.0.1",
             "supportedInterfaces": [
               {"url": "http://10.0.0.5:8080/grpc", "protocolBinding": "GRPC", "protocolVersion": "1.0"},
               {"url": "http://10.0.0.5:8080/a2a/v1", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
             "provider": {"organization": "Kitchen Inc", "url": "http://10.0.0.5/"},
             "capabilities": {"streaming": false, "pushNotifications": true},
             "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}, "apiKey": {}},
             "defaultInputModes": ["text/plain", "application/json"], "defaultOutputModes": ["text/plain"],
             "skills": [{"id": "find-recipe", "name": "Find a recipe"}, {"id": "convert.units"}]}
            """;

    private static final String V03_CARD = """
            {"name": "old-agent", "description": "An A2A 0.3 agent", "version": "0.9", "protocolVersion": "0.3.0",
             "url": "https://agents.internal:8443/rpc", "preferredTransport": "JSONRPC",
             "skills": [{"id": "summarize", "name": "Summarize", "description": "d", "tags": []}]}
            """;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
    }

    private static AgentDescriptor parse(String json) {
        return A2aAgents.fromCardJson(json.getBytes(StandardCharsets.UTF_8), CARD_URL);
    }

    private static String card(String replace, String with) {
        String s = V1_CARD.replace(replace, with);
        assertThat(s).as("test card edit of '%s'", replace).isNotEqualTo(V1_CARD);
        return s;
    }

    @Test
    void mapsA2a10CardToDescriptor() {
        AgentDescriptor d = parse(V1_CARD);
        assertThat(d.id()).isEqualTo("Recipe-Agent");
        assertThat(d.name()).isEqualTo("Recipe Agent");
        assertThat(d.version()).isEqualTo("2.0.1");
        assertThat(d.capabilities()).containsExactly("find-recipe", "convert.units");
        assertThat(d.endpoint()).hasToString("a2a:http://10.0.0.5:8080/a2a/v1");
        assertThat(d.scheme()).isEqualTo("a2a");
        assertThat(d.metadata())
                .containsEntry(A2aAgents.PROTOCOL_VERSION_KEY, "1.0")
                .containsEntry(A2aAgents.CARD_URL_KEY, CARD_URL.toString())
                .containsEntry(A2aAgents.DESCRIPTION_KEY, "Helps with recipes")
                .containsEntry(A2aAgents.PROVIDER_ORGANIZATION_KEY, "Kitchen Inc")
                .containsEntry(A2aAgents.PROVIDER_URL_KEY, "http://10.0.0.5/")
                .containsEntry(A2aAgents.STREAMING_KEY, "false")
                .containsEntry(A2aAgents.PUSH_NOTIFICATIONS_KEY, "true")
                .containsEntry(A2aAgents.INPUT_MODES_KEY, "text/plain,application/json")
                .containsEntry(A2aAgents.OUTPUT_MODES_KEY, "text/plain")
                .containsEntry(A2aAgents.SECURITY_SCHEMES_KEY, "bearer,apiKey")
                .containsEntry(A2aAgents.SKILL_KEY_PREFIX + "find-recipe", "Find a recipe")
                .containsEntry(A2aAgents.SKILL_KEY_PREFIX + "convert.units", "convert.units");
    }

    @Test
    void mapsA2a03CardToDescriptor() {
        AgentDescriptor d = parse(V03_CARD);
        assertThat(d.id()).isEqualTo("old-agent");
        assertThat(d.endpoint()).hasToString("a2a:https://agents.internal:8443/rpc");
        assertThat(d.metadata()).containsEntry(A2aAgents.PROTOCOL_VERSION_KEY, "0.3");
        assertThat(d.capabilities()).containsExactly("summarize");
    }

    @Test
    void longDescriptionIsCutToTheMetadataLimit() {
        AgentDescriptor d = parse(card("Helps with recipes", "x".repeat(5000)));
        assertThat(d.metadata().get(A2aAgents.DESCRIPTION_KEY)).hasSize(AgentDescriptor.MAX_METADATA_VALUE_LENGTH).endsWith("\u2026");
    }

    @Test
    void rejectsCardsNamingTheBadField() {
        assertThatThrownBy(() -> parse(card("\"name\": \"Recipe Agent\",", "")))
                .isInstanceOf(ValidationException.class).hasMessage("card.name must be present, but was null");
        assertThatThrownBy(() -> parse(card("\"name\": \"Recipe Agent\"", "\"name\": 42")))
                .isInstanceOf(ValidationException.class).hasMessage("card.name must be a string, but was 42");
        assertThatThrownBy(() -> parse(card("\"name\": \"Recipe Agent\"", "\"name\": \"!!!\"")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("card.name must hold at least one letter or digit");
        assertThatThrownBy(() -> parse(card("\"version\": \"2.0.1\",", "")))
                .isInstanceOf(ValidationException.class).hasMessage("card.version must be present, but was null");
        assertThatThrownBy(() -> parse(card("{\"id\": \"convert.units\"}", "{\"id\": \"convert units\"}")))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("card.skills[1].id must be 1-128 characters").hasMessageEndingWith("but was 'convert units'");
        assertThatThrownBy(() -> parse(card("{\"id\": \"convert.units\"}", "{\"name\": \"no id\"}")))
                .isInstanceOf(ValidationException.class).hasMessage("card.skills[1].id must be present and a string, but was null");
        assertThatThrownBy(() -> parse(card("{\"id\": \"convert.units\"}", "{\"id\": \"find-recipe\"}")))
                .isInstanceOf(ValidationException.class).hasMessage("card.skills[1].id must be unique among the card's skills, but was 'find-recipe'");
        assertThatThrownBy(() -> parse(V1_CARD.replaceAll("\"skills\": \\[.*]", "\"skills\": []")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("card.skills must hold at least one skill");
        assertThatThrownBy(() -> parse(card("\"JSONRPC\"", "\"HTTP+JSON\"")))
                .isInstanceOf(ValidationException.class)
                .hasMessage("card.supportedInterfaces must offer a JSONRPC interface of A2A 1.x or 0.3 (HTTP+JSON and GRPC are not supported yet), "
                        + "but was '[GRPC 1.0, HTTP+JSON 1.0]'");
        assertThatThrownBy(() -> parse(card("http://10.0.0.5:8080/a2a/v1", "ftp://10.0.0.5/a2a")))
                .isInstanceOf(ValidationException.class)
                .hasMessage("card.supportedInterfaces[1].url must be an absolute http or https URL, but was 'ftp://10.0.0.5/a2a'");
        assertThatThrownBy(() -> parse(card("\"streaming\": false", "\"streaming\": \"no\"")))
                .isInstanceOf(ValidationException.class).hasMessage("card.capabilities.streaming must be true or false, but was \"no\"");
        assertThatThrownBy(() -> parse(V03_CARD.replace("\"url\": \"https://agents.internal:8443/rpc\",", "")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("card.supportedInterfaces must be present (A2A 1.0), or card.url (A2A 0.3)");
        assertThatThrownBy(() -> parse("{\"name\": "))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("card must be valid JSON");
        assertThatThrownBy(() -> parse("[]"))
                .isInstanceOf(ValidationException.class).hasMessage("card must be a JSON object, but was ARRAY");
    }

    @Test
    void unreachableCardUrlIsATransportErrorAndNothingIsRegistered() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (Orchestrator orchestrator = Orchestrator.builder().transport("a2a:").build()) {
            URI url = URI.create("http://127.0.0.1:" + port);
            assertThatThrownBy(() -> orchestrator.register(A2aAgents.fromCard(url)))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("Cannot read the agent card at http://127.0.0.1:" + port + A2aAgents.WELL_KNOWN_PATH)
                    .hasMessageContaining("nothing registered");
            assertThat(orchestrator.agents()).isEmpty();
        }
    }

    @Test
    void cardUrlMustBeAbsoluteHttp() {
        assertThatThrownBy(() -> A2aAgents.fromCard(URI.create("file:/tmp/card.json")))
                .isInstanceOf(ValidationException.class).hasMessage("cardUrl must be an absolute http or https URL, but was 'file:/tmp/card.json'");
        assertThatThrownBy(() -> A2aAgents.fromCard(URI.create("http://127.0.0.1:1"), "bad id"))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("agentId must be");
    }

    @Test
    void readsTheWellKnownCardAndFallsBackToTheLegacyPath() throws IOException {
        HttpServer current = serve(A2aAgents.WELL_KNOWN_PATH, 200, V1_CARD);
        AgentDescriptor d = A2aAgents.fromCard(URI.create(base(current)), "recipes-2");
        assertThat(d.id()).isEqualTo("recipes-2");
        assertThat(d.metadata()).containsEntry(A2aAgents.CARD_URL_KEY, base(current) + A2aAgents.WELL_KNOWN_PATH);

        HttpServer old = serve(A2aAgents.LEGACY_WELL_KNOWN_PATH, 200, V03_CARD);
        assertThat(A2aAgents.fromCard(URI.create(base(old) + "/")).metadata())
                .containsEntry(A2aAgents.CARD_URL_KEY, base(old) + A2aAgents.LEGACY_WELL_KNOWN_PATH);

        HttpServer explicit = serve("/cards/mine.json", 200, V03_CARD);
        assertThat(A2aAgents.fromCard(URI.create(base(explicit) + "/cards/mine.json")).id()).isEqualTo("old-agent");
    }

    @Test
    void cardAnsweringAnErrorOrMalformedRegistersNothing() throws IOException {
        HttpServer missing = serve("/elsewhere", 200, V1_CARD);
        assertThatThrownBy(() -> A2aAgents.fromCard(URI.create(base(missing))))
                .isInstanceOf(TransportException.class).hasMessageContaining("answered HTTP 404");
        HttpServer broken = serve(A2aAgents.WELL_KNOWN_PATH, 200, card("\"version\": \"2.0.1\",", ""));
        try (Orchestrator orchestrator = Orchestrator.builder().transport("a2a:").build()) {
            assertThatThrownBy(() -> orchestrator.register(A2aAgents.fromCard(URI.create(base(broken)))))
                    .isInstanceOf(ValidationException.class).hasMessage("card.version must be present, but was null");
            assertThat(orchestrator.agents()).isEmpty();
        }
    }

    @Test
    void providerValidatesOptions() {
        A2aTransportProvider provider = new A2aTransportProvider();
        assertThat(provider.schemes()).containsExactly("a2a");
        provider.create(URI.create("a2a:?maxPollMillis=250&maxBodyBytes=1000")).close();
        assertThatThrownBy(() -> provider.create(URI.create("a2a:?maxPollMillis=5")))
                .isInstanceOf(ValidationException.class).hasMessage("maxPollMillis must be between 20 and 60000, but was 5");
        assertThatThrownBy(() -> provider.create(URI.create("a2a:?pollFast=yes")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("transport has an unknown option 'pollFast'");
        assertThatThrownBy(() -> provider.create(URI.create("a2a:?maxBodyBytes=lots")))
                .isInstanceOf(ValidationException.class).hasMessage("maxBodyBytes must be a whole number, but was 'lots'");
    }

    @Test
    void unreachableAgentIsARetryableTransportFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        AgentDescriptor d = parse(card("http://10.0.0.5:8080/a2a/v1", "http://127.0.0.1:" + port + "/a2a/v1"));
        try (Transport transport = new A2aTransportProvider().create(URI.create("a2a:/"))) {
            Task task = Task.of("find-recipe", "soup");
            try {
                transport.send(d, io.agentorchestrator.api.TaskEnvelope.of(task, System.currentTimeMillis() + 5_000, 1, null))
                        .get(30, TimeUnit.SECONDS);
                throw new AssertionError("expected a failure");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(TransportException.class).hasMessageContaining("SendMessage to http://127.0.0.1:" + port);
                assertThat(((TransportException) e.getCause()).retryable()).isTrue();
            }
            assertThatThrownBy(() -> transport.listen(d, (t, reply) -> { }))
                    .isInstanceOf(TransportException.class).hasMessageContaining("not supported yet");
        }
    }

    @Test
    void unknownProtocolVersionFailsWithoutSending() throws Exception {
        AgentDescriptor d = parse(V1_CARD).toBuilder().metadata(A2aAgents.PROTOCOL_VERSION_KEY, "2.0").build();
        try (Transport transport = new A2aTransportProvider().create(URI.create("a2a:/"))) {
            var reply = transport.send(d, io.agentorchestrator.api.TaskEnvelope.of(Task.of("find-recipe", "soup"), 0, 1, null));
            assertThatThrownBy(() -> reply.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TransportException.class)
                    .hasMessageContaining("speaks A2A 2.0");
        }
    }

    private static String base(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves one body at one path; every other path is 404. Not an A2A agent: a card host. */
    private HttpServer serve(String path, int status, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            boolean hit = exchange.getRequestURI().getPath().equals(path);
            byte[] bytes = (hit ? body : "not found").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(hit ? status : 404, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        cleanup.add(() -> server.stop(0));
        return server;
    }
}
