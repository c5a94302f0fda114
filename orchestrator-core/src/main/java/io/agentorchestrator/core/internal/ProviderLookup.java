package io.agentorchestrator.core.internal;

import io.agentorchestrator.api.Balancer;
import io.agentorchestrator.api.BalancerProvider;
import io.agentorchestrator.api.HealthProbe;
import io.agentorchestrator.api.HealthProbeProvider;
import io.agentorchestrator.api.ProviderNotFoundException;
import io.agentorchestrator.api.Transport;
import io.agentorchestrator.api.TransportProvider;
import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds plug-ins with {@link ServiceLoader}: one broken provider never hides the others, two
 * providers of one name are resolved by priority with a warning, and a missing one gets an
 * error naming what to add to the classpath.
 */
public final class ProviderLookup {

    private static final Logger log = LoggerFactory.getLogger(ProviderLookup.class);

    /** Where our own transports live, for the error message when one is missing. */
    private static final Map<String, String> TRANSPORT_ARTIFACTS = Map.of(
            "kafka", "orchestrator-kafka",
            "redis", "orchestrator-redis",
            "rediss", "orchestrator-redis",
            "amqp", "orchestrator-rabbitmq",
            "amqps", "orchestrator-rabbitmq");

    private ProviderLookup() {
    }

    /** The balancer registered under {@code name}. */
    public static Balancer balancer(String name) {
        ValidationException.requireNonNull(name, "balancer");
        Map<String, BalancerProvider> byName = byName(BalancerProvider.class, p -> List.of(p.name()), BalancerProvider::priority);
        BalancerProvider provider = byName.get(name.toLowerCase(Locale.ROOT));
        if (provider == null) {
            throw new ProviderNotFoundException("balancer", name, "No balancer named '" + name + "'. Known balancers: "
                    + String.join(", ", byName.keySet()) + ". A custom balancer is found through "
                    + "META-INF/services/" + BalancerProvider.class.getName() + ", or pass an instance to balancer(Balancer).");
        }
        return provider.create();
    }

    /** The health probe registered under {@code name}. */
    public static HealthProbe healthProbe(String name) {
        ValidationException.requireNonNull(name, "probe");
        Map<String, HealthProbeProvider> byName = byName(HealthProbeProvider.class, p -> List.of(p.name()), HealthProbeProvider::priority);
        HealthProbeProvider provider = byName.get(name.toLowerCase(Locale.ROOT));
        if (provider == null) {
            throw new ProviderNotFoundException("health probe", name, "No health probe named '" + name + "'. Known probes: "
                    + (byName.isEmpty() ? "none" : String.join(", ", byName.keySet())) + ". A custom probe is found through "
                    + "META-INF/services/" + HealthProbeProvider.class.getName() + ".");
        }
        return provider.create();
    }

    /**
     * The transport for a URI such as {@code "inproc:"} or {@code "redis://host:6379"}.
     *
     * @throws ValidationException       when the string is not a URI with a scheme
     * @throws ProviderNotFoundException when no transport serves the scheme
     */
    public static Transport transport(String uri) {
        URI parsed;
        if (io.agentorchestrator.core.security.SecretReferences.hasReferences(uri)) {
            try {
                parsed = parseTransportUri(io.agentorchestrator.core.security.SecretReferences.resolve(uri));
            } catch (ValidationException e) {
                // The message would show the resolved secret: name the URI as written instead.
                throw new ValidationException("transport", "must be a URI with a scheme once its ${...} references are resolved", uri);
            }
        } else {
            parsed = parseTransportUri(uri);
        }
        String scheme = parsed.getScheme().toLowerCase(Locale.ROOT);
        Map<String, TransportProvider> byScheme = byName(TransportProvider.class, p -> new ArrayList<>(p.schemes()),
                TransportProvider::priority);
        TransportProvider provider = byScheme.get(scheme);
        if (provider == null) {
            String artifact = TRANSPORT_ARTIFACTS.get(scheme);
            throw new ProviderNotFoundException("transport", scheme, "No transport for scheme '" + scheme + "'. "
                    + (artifact != null
                            ? "Add io.agentorchestrator:" + artifact + " to the classpath."
                            : "Known schemes: " + String.join(", ", byScheme.keySet()) + "; a custom transport is found through META-INF/services/"
                                    + TransportProvider.class.getName() + "."));
        }
        try {
            return provider.create(parsed);
        } catch (RuntimeException e) {
            if (io.agentorchestrator.core.security.SecretReferences.reveals(e.getMessage(), uri)) {
                throw new ValidationException("transport", "was refused by the " + scheme + " transport (details withheld: they "
                        + "would show a resolved ${...} secret)", uri);
            }
            throw e;
        }
    }

    /**
     * Parses a transport URI; a bare scheme such as {@code "inproc:"} becomes {@code inproc:/}
     * because {@link URI} wants something after the colon.
     */
    public static URI parseTransportUri(String uri) {
        ValidationException.requireNonNull(uri, "transport");
        String s = uri.trim();
        int colon = s.indexOf(':');
        ValidationException.require(colon > 0, "transport", "must be a URI with a scheme, e.g. inproc: or redis://host:6379", uri);
        if (colon == s.length() - 1) {
            s = s + "/";
        }
        try {
            URI parsed = new URI(s);
            ValidationException.require(parsed.getScheme() != null, "transport", "must be a URI with a scheme", uri);
            return parsed;
        } catch (URISyntaxException e) {
            throw new ValidationException("transport", "must be a valid URI (" + e.getReason() + ")", uri);
        }
    }

    private static <P> Map<String, P> byName(Class<P> type, Function<P, List<String>> names, ToIntFunction<P> priority) {
        Map<String, P> byName = new TreeMap<>();
        for (P provider : load(type)) {
            List<String> keys;
            int prio;
            try {
                keys = names.apply(provider);
                prio = priority.applyAsInt(provider);
            } catch (RuntimeException e) {
                log.warn("Ignoring {} {}: it threw while describing itself", type.getSimpleName(), provider.getClass().getName(), e);
                continue;
            }
            for (String key : keys) {
                String k = key.toLowerCase(Locale.ROOT);
                P existing = byName.get(k);
                if (existing == null) {
                    byName.put(k, provider);
                } else {
                    P winner = priority.applyAsInt(existing) >= prio ? existing : provider;
                    log.warn("Two {}s claim '{}': {} and {}; using {} (higher priority)", type.getSimpleName(), k,
                            existing.getClass().getName(), provider.getClass().getName(), winner.getClass().getName());
                    byName.put(k, winner);
                }
            }
        }
        return byName;
    }

    private static <P> List<P> load(Class<P> type) {
        List<P> found = new ArrayList<>();
        Iterator<P> it = ServiceLoader.load(type, type.getClassLoader()).iterator();
        for (;;) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                P provider = it.next();
                if (isAvailable(provider)) {
                    found.add(provider);
                }
            } catch (ServiceConfigurationError | LinkageError e) {
                log.warn("Ignoring a {} that could not be loaded: {}", type.getSimpleName(), e.toString());
            }
        }
        return found;
    }

    private static boolean isAvailable(Object provider) {
        try {
            if (provider instanceof TransportProvider) {
                return ((TransportProvider) provider).isAvailable();
            }
            if (provider instanceof BalancerProvider) {
                return ((BalancerProvider) provider).isAvailable();
            }
            if (provider instanceof HealthProbeProvider) {
                return ((HealthProbeProvider) provider).isAvailable();
            }
            return true;
        } catch (RuntimeException | LinkageError e) {
            log.warn("Ignoring {}: isAvailable() threw {}", provider.getClass().getName(), e.toString());
            return false;
        }
    }
}
