package io.agentorchestrator.core.admin;

import io.agentorchestrator.api.AgentDescriptor;
import io.agentorchestrator.api.Ticker;
import io.agentorchestrator.api.ValidationException;
import io.agentorchestrator.core.RateLimitConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the admin API and its {@link AdminServer} behave: where it listens, who may call it, how
 * hard, and what readiness means. Immutable; build one with {@link #builder()}. Each builder
 * setter checks its value at once and names it in the error.
 *
 * <pre>{@code
 * AdminServerConfig admin = AdminServerConfig.builder()
 *     .port(8091)
 *     .tokensFromEnvironment()               // ORCHESTRATOR_ADMIN_TOKENS, ORCHESTRATOR_READ_TOKENS
 *     .requireHealthy("route-planning", 2)   // /health/ready answers 503 below 2 healthy planners
 *     .build();
 * }</pre>
 */
public final class AdminServerConfig {

    /** Address listened on when none is set: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Port listened on when none is set. */
    public static final int DEFAULT_PORT = 8091;
    /** Environment variable holding admin tokens, comma-separated. */
    public static final String ADMIN_TOKENS_ENV = "ORCHESTRATOR_ADMIN_TOKENS";
    /** Environment variable holding read-only tokens, comma-separated. */
    public static final String READ_TOKENS_ENV = "ORCHESTRATOR_READ_TOKENS";
    /** Shortest accepted token. */
    public static final int MIN_TOKEN_LENGTH = 16;
    /** Requests per second per client when none is set. */
    public static final RateLimitConfig DEFAULT_RATE_LIMIT = RateLimitConfig.of(20, 40);
    /** Largest request body when none is set: 64 KiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
    /** Event-stream clients at once when none is set. */
    public static final int DEFAULT_MAX_EVENT_CLIENTS = 16;
    /** Events buffered per event-stream client before it is cut off (and reconnects) when none is set. */
    public static final int DEFAULT_EVENT_BUFFER_SIZE = 256;
    /** Past events kept for clients that reconnect with {@code Last-Event-ID} when none is set. */
    public static final int DEFAULT_REPLAY_BUFFER_SIZE = 1024;
    /** Task outcome events per second put on the event stream when none is set; the rest are left out. */
    public static final int DEFAULT_TASK_EVENTS_PER_SECOND = 20;
    /** How often a stats summary goes out on the event stream when none is set. */
    public static final Duration DEFAULT_STATS_INTERVAL = Duration.ofSeconds(2);

    private final String host;
    private final int port;
    private final Map<String, AdminRole> tokens;
    private final Map<String, Integer> requiredHealthy;
    private final RateLimitConfig rateLimit;
    private final List<String> corsOrigins;
    private final int maxRequestBytes;
    private final int maxEventClients;
    private final int eventBufferSize;
    private final int replayBufferSize;
    private final int taskEventsPerSecond;
    private final Duration statsInterval;
    private final Ticker ticker;

    private AdminServerConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.tokens = Map.copyOf(b.tokens);
        this.requiredHealthy = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.requiredHealthy));
        this.rateLimit = b.rateLimit;
        this.corsOrigins = List.copyOf(b.corsOrigins);
        this.maxRequestBytes = b.maxRequestBytes;
        this.maxEventClients = b.maxEventClients;
        this.eventBufferSize = b.eventBufferSize;
        this.replayBufferSize = b.replayBufferSize;
        this.taskEventsPerSecond = b.taskEventsPerSecond;
        this.statsInterval = b.statsInterval;
        this.ticker = b.ticker;
    }

    /** Starts a configuration with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The address listened on. */
    public String host() {
        return host;
    }

    /** The port listened on; 0 picks a free one ({@link AdminServer#port()} tells which). */
    public int port() {
        return port;
    }

    /** The accepted bearer tokens and their roles. Never logged. */
    Map<String, AdminRole> tokens() {
        return tokens;
    }

    /** Per capability, the fewest routable agents for {@code /health/ready} to answer 200. */
    public Map<String, Integer> requiredHealthy() {
        return requiredHealthy;
    }

    /** Requests per second (and burst) allowed per client address. */
    public RateLimitConfig rateLimit() {
        return rateLimit;
    }

    /** Origins allowed to call from a browser page of another origin; empty for none, {@code "*"} for any. */
    public List<String> corsOrigins() {
        return corsOrigins;
    }

    /** Largest request body in bytes; larger ones get 413. */
    public int maxRequestBytes() {
        return maxRequestBytes;
    }

    /** Event-stream clients at once; more get 503. */
    public int maxEventClients() {
        return maxEventClients;
    }

    /** Events buffered per event-stream client; a client that falls further behind is cut off and reconnects. */
    public int eventBufferSize() {
        return eventBufferSize;
    }

    /** Past events kept to replay to clients that reconnect with {@code Last-Event-ID}. */
    public int replayBufferSize() {
        return replayBufferSize;
    }

    /** Task outcome events per second put on the event stream (a sample); 0 for none. */
    public int taskEventsPerSecond() {
        return taskEventsPerSecond;
    }

    /** How often a stats summary goes out on the event stream. */
    public Duration statsInterval() {
        return statsInterval;
    }

    /** Time source of the rate limits. */
    public Ticker ticker() {
        return ticker;
    }

    /** Collects an {@link AdminServerConfig}; not thread-safe. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private final Map<String, AdminRole> tokens = new LinkedHashMap<>();
        private final Map<String, Integer> requiredHealthy = new LinkedHashMap<>();
        private RateLimitConfig rateLimit = DEFAULT_RATE_LIMIT;
        private final List<String> corsOrigins = new ArrayList<>();
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int maxEventClients = DEFAULT_MAX_EVENT_CLIENTS;
        private int eventBufferSize = DEFAULT_EVENT_BUFFER_SIZE;
        private int replayBufferSize = DEFAULT_REPLAY_BUFFER_SIZE;
        private int taskEventsPerSecond = DEFAULT_TASK_EVENTS_PER_SECOND;
        private Duration statsInterval = DEFAULT_STATS_INTERVAL;
        private Ticker ticker = Ticker.system();

        private Builder() {
        }

        /** Address to listen on; default {@value #DEFAULT_HOST} (loopback only). {@code "0.0.0.0"} listens everywhere. */
        public Builder host(String host) {
            ValidationException.requireNonNull(host, "host");
            ValidationException.require(!host.isBlank() && host.length() <= 253, "host", "must be 1-253 characters and not blank", host);
            this.host = host;
            return this;
        }

        /** Port to listen on, 0 to 65535 (0 picks a free one); default {@value #DEFAULT_PORT}. */
        public Builder port(int port) {
            this.port = ValidationException.requireInRange(port, 0, 65_535, "port");
            return this;
        }

        /**
         * Accepts {@code token} as a bearer token with {@code role}. Tokens are compared in
         * constant time and never logged.
         *
         * @throws ValidationException when the token is shorter than {@value #MIN_TOKEN_LENGTH}
         *                             characters, longer than 512, or holds whitespace or commas
         */
        public Builder token(String token, AdminRole role) {
            ValidationException.requireNonNull(token, "token");
            ValidationException.requireNonNull(role, "role");
            // The value is not echoed: it is a secret.
            ValidationException.require(token.length() >= MIN_TOKEN_LENGTH && token.length() <= 512, "token",
                    "must be " + MIN_TOKEN_LENGTH + "-512 characters long", token.length() + " characters");
            ValidationException.require(token.chars().allMatch(c -> c > 32 && c < 127 && c != ','), "token",
                    "must be printable ASCII without spaces or commas", "a token of " + token.length() + " characters");
            tokens.put(token, role);
            return this;
        }

        /**
         * Accepts the tokens in the environment variables {@value #ADMIN_TOKENS_ENV} (admin) and
         * {@value #READ_TOKENS_ENV} (read-only), each a comma-separated list; unset variables add nothing.
         */
        public Builder tokensFromEnvironment() {
            return tokensFromEnvironment(System.getenv());
        }

        /** As {@link #tokensFromEnvironment()}, reading the variables from {@code environment}. */
        public Builder tokensFromEnvironment(Map<String, String> environment) {
            ValidationException.requireNonNull(environment, "environment");
            addTokens(environment.get(ADMIN_TOKENS_ENV), AdminRole.ADMIN);
            addTokens(environment.get(READ_TOKENS_ENV), AdminRole.READ);
            return this;
        }

        private void addTokens(String list, AdminRole role) {
            if (list == null) {
                return;
            }
            for (String t : list.split(",")) {
                if (!t.isBlank()) {
                    token(t.strip(), role);
                }
            }
        }

        /**
         * Makes {@code /health/ready} answer 503 while fewer than {@code minHealthy} agents of
         * {@code capability} are routable (HEALTHY, not ejected, circuit not open). Call once per
         * capability the host cannot work without; with none, ready means the API is up.
         */
        public Builder requireHealthy(String capability, int minHealthy) {
            AgentDescriptor.requireCapability(capability, "capability");
            requiredHealthy.put(capability, ValidationException.requireInRange(minHealthy, 1, 100_000, "minHealthy"));
            return this;
        }

        /** Requests allowed per client address; default 20 per second with bursts of 40. Over it: 429. */
        public Builder rateLimit(RateLimitConfig rateLimit) {
            this.rateLimit = ValidationException.requireNonNull(rateLimit, "rateLimit");
            return this;
        }

        /**
         * Allows browser pages from {@code origin} (such as {@code "https://ops.example.com"}, or
         * {@code "*"} for any) to call the API. Default: none, so only the dashboard served by the
         * API itself can.
         */
        public Builder corsOrigin(String origin) {
            ValidationException.requireNonNull(origin, "corsOrigin");
            ValidationException.require(origin.equals("*") || origin.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+"), "corsOrigin",
                    "must be '*' or a scheme and host such as https://ops.example.com, without a path", origin);
            corsOrigins.add(origin);
            return this;
        }

        /** Largest request body, 1 KiB to 16 MiB; default 64 KiB. Larger: 413. */
        public Builder maxRequestBytes(int bytes) {
            this.maxRequestBytes = ValidationException.requireInRange(bytes, 1024, 16 << 20, "maxRequestBytes");
            return this;
        }

        /** Event-stream clients at once, 1 to 1000; default {@value #DEFAULT_MAX_EVENT_CLIENTS}. */
        public Builder maxEventClients(int clients) {
            this.maxEventClients = ValidationException.requireInRange(clients, 1, 1000, "maxEventClients");
            return this;
        }

        /** Events buffered per event-stream client, 16 to 65,536; default {@value #DEFAULT_EVENT_BUFFER_SIZE}. */
        public Builder eventBufferSize(int events) {
            this.eventBufferSize = ValidationException.requireInRange(events, 16, 65_536, "eventBufferSize");
            return this;
        }

        /** Past events kept for reconnecting clients, 0 to 100,000; default {@value #DEFAULT_REPLAY_BUFFER_SIZE}. */
        public Builder replayBufferSize(int events) {
            this.replayBufferSize = ValidationException.requireInRange(events, 0, 100_000, "replayBufferSize");
            return this;
        }

        /** Task outcome events per second on the event stream, 0 to 10,000; default {@value #DEFAULT_TASK_EVENTS_PER_SECOND}. */
        public Builder taskEventsPerSecond(int events) {
            this.taskEventsPerSecond = ValidationException.requireInRange(events, 0, 10_000, "taskEventsPerSecond");
            return this;
        }

        /** How often a stats summary goes out on the event stream, 100 ms to 1 min; default 2 s. */
        public Builder statsInterval(Duration interval) {
            ValidationException.requireNonNull(interval, "statsInterval");
            ValidationException.require(interval.compareTo(Duration.ofMillis(100)) >= 0 && interval.compareTo(Duration.ofMinutes(1)) <= 0,
                    "statsInterval", "must be between 100 ms and 1 min", interval);
            this.statsInterval = interval;
            return this;
        }

        /** Time source of the rate limits; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = ValidationException.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @throws ValidationException when no token was given: the API never runs open
         */
        public AdminServerConfig build() {
            ValidationException.require(!tokens.isEmpty(), "tokens",
                    "must hold at least one token (token(...) or tokensFromEnvironment() with " + ADMIN_TOKENS_ENV + " or "
                            + READ_TOKENS_ENV + ")", "none");
            return new AdminServerConfig(this);
        }
    }
}
