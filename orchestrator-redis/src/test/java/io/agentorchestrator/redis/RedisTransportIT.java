package io.agentorchestrator.redis;

import io.agentorchestrator.api.Transport;
import io.agentorchestrator.core.kit.TransportCompatibilityKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Redis transport passes the transport compatibility kit, against a real Redis. */
class RedisTransportIT extends TransportCompatibilityKit {

    private static final String PREFIX = TestRedis.uniquePrefix("kit");

    @Override
    protected Transport newTransport() {
        // A short claimIdle so that a restarted agent reclaims its crashed predecessor's task within the test.
        return new RedisTransportProvider().create(TestRedis.uri("prefix=" + PREFIX + "&claimIdle=1s"));
    }

    @Override
    protected String endpoint(String agentId) {
        return "redis:" + agentId;
    }

    @BeforeAll
    static void warmUp() throws Exception {
        // The kit's first test may be the one with a 300 ms timeout: pay class loading and the first
        // connections before it, not inside it.
        RoundTrip.once(TestRedis.uri("prefix=" + PREFIX));
    }

    @AfterAll
    static void deleteKeys() {
        TestRedis.deleteKeys(PREFIX);
    }
}
