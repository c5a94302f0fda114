package io.agentorchestrator.core.a2a;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.TransportException;
import io.agentorchestrator.api.ValidationException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Turns an A2A (Agent2Agent protocol) agent card into an {@link AgentDescriptor} that an
 * orchestrator with the {@code a2a:} transport can register:
 *
 * <pre>{@code
 * Orchestrator orchestrator = Orchestrator.builder().transport("a2a:").build();
 * orchestrator.register(A2aAgents.fromCard(URI.create("http://127.0.0.1:41241")));
 * TaskResult r = orchestrator.dispatch(Task.of("echo", Payload.ofUtf8("hello"))).get();
 * }</pre>
 *
 * <p>The descriptor's id is the card's {@code name} made into a valid id (letters, digits, '.',
 * '_', ':' and '-'; anything else becomes '-'), its name is the card's name, its capabilities are
 * the ids of the card's skills, its version the card's version, and its endpoint is
 * {@code a2a:} followed by the URL of the card's JSON-RPC interface. The card's other fields are
 * kept in the metadata under the {@code a2a.} keys listed here. Cards of A2A 1.0
 * ({@code supportedInterfaces}) and of A2A 0.3 ({@code url}, {@code preferredTransport}) are
 * both read; 1.0 is chosen when the card offers both.
 *
 * <p>Thread-safe; every method is a pure function of its arguments and of what the card URL serves.
 */
public final class A2aAgents {

    /** Where an A2A agent serves its card, relative to its base URL (A2A 0.3 and 1.0). */
    public static final String WELL_KNOWN_PATH = "/.well-known/agent-card.json";
    /** Where agents of A2A 0.2 and earlier served their card; tried when {@link #WELL_KNOWN_PATH} answers 404. */
    public static final String LEGACY_WELL_KNOWN_PATH = "/.well-known/agent.json";
    /** How long fetching a card may take, connection included, by default: 10 s. */
    public static final Duration DEFAULT_CARD_TIMEOUT = Duration.ofSeconds(10);
    /** Largest card accepted: 1 MiB. */
    public static final int MAX_CARD_BYTES = 1 << 20;

    /** Metadata key: the URL the card was read from. */
    public static final String CARD_URL_KEY = "a2a.cardUrl";
    /** Metadata key: the A2A protocol version of the interface used, {@code "1.0"} or {@code "0.3"}; absent means 1.0. */
    public static final String PROTOCOL_VERSION_KEY = "a2a.protocolVersion";
    /** Metadata key: the card's description (cut to the metadata value limit). */
    public static final String DESCRIPTION_KEY = "a2a.description";
    /** Metadata key: the card's provider organization. */
    public static final String PROVIDER_ORGANIZATION_KEY = "a2a.provider.organization";
    /** Metadata key: the card's provider URL. */
    public static final String PROVIDER_URL_KEY = "a2a.provider.url";
    /** Metadata key: the card's documentation URL. */
    public static final String DOCUMENTATION_URL_KEY = "a2a.documentationUrl";
    /** Metadata key: the card's icon URL. */
    public static final String ICON_URL_KEY = "a2a.iconUrl";
    /** Metadata key: whether the agent says it streams ({@code "true"}/{@code "false"}). */
    public static final String STREAMING_KEY = "a2a.streaming";
    /** Metadata key: whether the agent says it sends push notifications. */
    public static final String PUSH_NOTIFICATIONS_KEY = "a2a.pushNotifications";
    /** Metadata key: the card's default input media types, comma-separated. */
    public static final String INPUT_MODES_KEY = "a2a.defaultInputModes";
    /** Metadata key: the card's default output media types, comma-separated. */
    public static final String OUTPUT_MODES_KEY = "a2a.defaultOutputModes";
    /** Metadata key: the names of the card's security schemes, comma-separated (no credentials are sent yet). */
    public static final String SECURITY_SCHEMES_KEY = "a2a.securitySchemes";
    /** Metadata key prefix: {@code a2a.skill.<skill id>} holds the skill's human-readable name. */
    public static final String SKILL_KEY_PREFIX = "a2a.skill.";

    private A2aAgents() {
    }

    /**
     * Reads the card at {@code cardUrl} and describes the agent, with the id taken from the card's name.
     *
     * @param cardUrl the card's URL, or the agent's base URL ({@code http://host:port}, to which
     *                {@value #WELL_KNOWN_PATH} is added; {@value #LEGACY_WELL_KNOWN_PATH} is tried
     *                when that answers 404)
     * @return the descriptor to register; nothing is registered by this method
     * @throws ValidationException when the URL is not an absolute http(s) URL or the card breaks a
     *                             rule; the message names the card field, e.g.
     *                             {@code "card.skills[1].id must be ..., but was 'a b'"}
     * @throws TransportException  when the card cannot be fetched (unreachable, timeout, HTTP error)
     */
    public static AgentDescriptor fromCard(URI cardUrl) {
        return fromCard(cardUrl, null, DEFAULT_CARD_TIMEOUT);
    }

    /**
     * Like {@link #fromCard(URI)} with an id of the caller's choosing, for several replicas of
     * one agent (same card name) behind different URLs.
     *
     * @param cardUrl the card's URL, or the agent's base URL
     * @param agentId the descriptor's id, checked as {@link AgentDescriptor#requireId} does
     * @return the descriptor to register
     * @throws ValidationException when the id, the URL or the card is invalid
     * @throws TransportException  when the card cannot be fetched
     */
    public static AgentDescriptor fromCard(URI cardUrl, String agentId) {
        AgentDescriptor.requireId(agentId, "agentId");
        return fromCard(cardUrl, agentId, DEFAULT_CARD_TIMEOUT);
    }

    /**
     * Like {@link #fromCard(URI, String)}, giving up on the card after {@code timeout}.
     *
     * @param cardUrl the card's URL, or the agent's base URL
     * @param agentId the descriptor's id, or {@code null} to derive it from the card's name
     * @param timeout &gt; 0; covers connecting and reading the card
     * @return the descriptor to register
     * @throws ValidationException when an argument or the card is invalid
     * @throws TransportException  when the card cannot be fetched
     */
    public static AgentDescriptor fromCard(URI cardUrl, String agentId, Duration timeout) {
        ValidationException.requireNonNull(cardUrl, "cardUrl");
        ValidationException.requireNonNull(timeout, "timeout");
        ValidationException.require(!timeout.isNegative() && !timeout.isZero(), "timeout", "must be > 0", timeout);
        if (agentId != null) {
            AgentDescriptor.requireId(agentId, "agentId");
        }
        String scheme = cardUrl.getScheme() == null ? "" : cardUrl.getScheme().toLowerCase(java.util.Locale.ROOT);
        ValidationException.require(cardUrl.isAbsolute() && (scheme.equals("http") || scheme.equals("https")) && cardUrl.getHost() != null,
                "cardUrl", "must be an absolute http or https URL", cardUrl.toString());
        boolean base = cardUrl.getRawPath() == null || cardUrl.getRawPath().isEmpty() || cardUrl.getRawPath().equals("/");
        URI url = base ? cardUrl.resolve(WELL_KNOWN_PATH) : cardUrl;
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        try {
            HttpResponse<byte[]> response = get(client, url, timeout);
            if (response.statusCode() == 404 && base) {
                url = cardUrl.resolve(LEGACY_WELL_KNOWN_PATH);
                response = get(client, url, timeout);
            }
            if (response.statusCode() / 100 != 2) {
                throw new TransportException(A2aTransport.SCHEME, url.toString(), "Agent card at " + url + " answered HTTP "
                        + response.statusCode() + "; nothing registered", response.statusCode() >= 500, null);
            }
            if (response.body().length > MAX_CARD_BYTES) {
                throw new ValidationException("card", "must be at most " + MAX_CARD_BYTES + " bytes", response.body().length + " bytes");
            }
            return A2aCard.parse(response.body(), url).toDescriptor(agentId);
        } finally {
            close(client);
        }
    }

    /**
     * Describes the agent of a card the caller already holds (read from a file or a registry).
     *
     * @param json    the card as JSON
     * @param cardUrl where it came from, kept in the {@value #CARD_URL_KEY} metadata
     * @return the descriptor to register
     * @throws ValidationException naming the first card field that breaks its rule
     */
    public static AgentDescriptor fromCardJson(byte[] json, URI cardUrl) {
        ValidationException.requireNonNull(json, "card");
        ValidationException.requireNonNull(cardUrl, "cardUrl");
        return A2aCard.parse(json, cardUrl).toDescriptor(null);
    }

    private static HttpResponse<byte[]> get(HttpClient client, URI url, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "application/json")
                .header(A2aProtocol.VERSION_HEADER, A2aProtocol.V1.version()).GET().build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new TransportException(A2aTransport.SCHEME, url.toString(), "Cannot read the agent card at " + url + ": " + e
                    + "; nothing registered", true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(A2aTransport.SCHEME, url.toString(), "Interrupted while reading the agent card at " + url, false, e);
        }
    }

    private static void close(HttpClient client) {
        // HttpClient is AutoCloseable from JDK 21 on; on 17 its threads end when it is unreachable.
        if (client instanceof AutoCloseable) {
            try {
                ((AutoCloseable) client).close();
            } catch (Exception e) {
                // Closing a client that made one request cannot fail in a way the caller can act on.
            }
        }
    }
}
