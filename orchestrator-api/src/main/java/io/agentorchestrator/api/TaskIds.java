package io.agentorchestrator.api;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Makes task ids: random version-4 UUIDs without the contention of {@link UUID#randomUUID()}. */
final class TaskIds {

    private TaskIds() {
    }

    static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        // Ids only need to be unique, not unguessable, so the per-thread generator is enough.
        long msb = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lsb = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
