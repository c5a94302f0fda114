package io.agentorchestrator.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}), so the hot paths send a 40-character digest
 * instead of the script and Redis does not hash the body on every call. When the server does not
 * have it (first use, after a restart or a {@code SCRIPT FLUSH}) the script is sent once with
 * {@code EVAL}, which also caches it. Keys and arguments go as bytes, so a JSON envelope that is
 * already encoded is not turned into a string and back. Immutable, thread-safe.
 */
final class Script {

    private final byte[] text;
    private final byte[] sha;

    private Script(byte[] text, byte[] sha) {
        this.text = text;
        this.sha = sha;
    }

    static Script of(String text) {
        try {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(body);
            return new Script(body, HexFormat.of().formatHex(digest).getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
    }

    /** The bytes of {@code s} as Redis takes them. */
    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@link #bytes} of each. */
    static List<byte[]> bytes(List<String> strings) {
        List<byte[]> out = new java.util.ArrayList<>(strings.size());
        for (String s : strings) {
            out.add(bytes(s));
        }
        return out;
    }

    /** Runs the script now. */
    Object run(UnifiedJedis client, List<byte[]> keys, List<byte[]> args) {
        try {
            return client.evalsha(sha, keys, args);
        } catch (JedisNoScriptException e) {
            return client.eval(text, keys, args);
        }
    }

    /** Queues the script in a pipeline; read its result with {@link #result}. */
    Response<Object> queue(AbstractPipeline pipeline, List<byte[]> keys, List<byte[]> args) {
        return pipeline.evalsha(sha, keys, args);
    }

    /**
     * The result of a queued run; when the server did not know the script, runs it again with its
     * text (nothing was executed the first time, so this is its only run).
     */
    Object result(Response<Object> queued, UnifiedJedis client, List<byte[]> keys, List<byte[]> args) {
        try {
            return queued.get();
        } catch (JedisNoScriptException e) {
            return client.eval(text, keys, args);
        }
    }
}
