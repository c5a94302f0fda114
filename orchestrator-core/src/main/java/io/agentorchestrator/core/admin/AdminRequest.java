package io.agentorchestrator.core.admin;

import io.agentorchestrator.api.ValidationException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP request as the admin API sees it, built by whatever server hosts the API.
 *
 * @param method  the HTTP method, e.g. {@code "GET"}
 * @param path    the decoded path, starting with {@code /}
 * @param query   the raw query string without {@code ?}, or {@code null}
 * @param headers the headers; names are matched case-insensitively
 * @param body    the body read so far: the host reads at most {@link AdminServerConfig#maxRequestBytes()} plus one byte
 * @param client  who is calling, for rate limiting: usually the remote address
 */
public record AdminRequest(String method, String path, String query, Map<String, List<String>> headers, byte[] body, String client) {

    /** Checks the parts and copies the headers into a case-insensitive map. */
    public AdminRequest {
        ValidationException.requireNonNull(method, "method");
        ValidationException.requireNonNull(path, "path");
        ValidationException.requireNonNull(headers, "headers");
        ValidationException.requireNonNull(client, "client");
        Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> {
            if (k != null && v != null) {
                h.put(k, List.copyOf(v));
            }
        });
        headers = java.util.Collections.unmodifiableMap(h);
        body = body == null ? new byte[0] : body;
        method = method.toUpperCase(Locale.ROOT);
    }

    /** The first value of a header, or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
