package io.agentorchestrator.redis;

import java.io.File;
import java.net.URI;
import java.util.UUID;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The Redis the integration tests use: {@code REDIS_URL}, else 127.0.0.1:6379, else a private
 * redis-server this JVM starts (and stops on exit). With none of those it fails, saying how to get
 * one: the tests never skip.
 */
final class TestRedis {

    private static String base;

    private TestRedis() {
    }

    /** The base URI of a reachable Redis, e.g. {@code redis://127.0.0.1:6379}. */
    static synchronized String base() {
        if (base != null) {
            return base;
        }
        String env = System.getenv("REDIS_URL");
        String candidate = env != null && !env.isBlank() ? env.trim() : "redis://127.0.0.1:6379";
        if (reachable(candidate)) {
            return base = candidate;
        }
        if (env != null && !env.isBlank()) {
            throw new AssertionError("REDIS_URL=" + candidate + " is not reachable. Start that Redis, or unset REDIS_URL to use "
                    + "127.0.0.1:6379 or a redis-server the tests start themselves.");
        }
        if (!PrivateRedis.installed()) {
            throw new AssertionError("No Redis is reachable at 127.0.0.1:6379 and redis-server is not installed. Install it "
                    + "(Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) or start one "
                    + "(redis-server --port 6379 --daemonize yes), or point REDIS_URL at one.");
        }
        PrivateRedis own = PrivateRedis.start();
        Runtime.getRuntime().addShutdownHook(new Thread(own::close, "test-redis-stop"));
        return base = own.uri();
    }

    /** A transport URI on the test Redis with these query options ("a=1&b=2"). */
    static URI uri(String options) {
        String b = base();
        return URI.create(b + (b.contains("?") ? "&" : "?") + options);
    }

    /** A key prefix no other run uses. */
    static String uniquePrefix(String name) {
        return "ao-test-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A plain client on the test Redis, for looking at keys directly. */
    static RedisClient client() {
        return RedisClient.create(URI.create(base()));
    }

    /** Deletes every key under a prefix. */
    static void deleteKeys(String prefix) {
        try (RedisClient c = client()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = c.scan(cursor, new ScanParams().match(prefix + ":*").count(500));
                if (!page.getResult().isEmpty()) {
                    c.del(page.getResult().toArray(new String[0]));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
    }

    private static boolean reachable(String uri) {
        try (RedisClient c = RedisClient.create(URI.create(uri))) {
            return "PONG".equals(c.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (new File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
