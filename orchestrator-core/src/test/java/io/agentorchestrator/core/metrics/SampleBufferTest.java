package io.agentorchestrator.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-thread burst buffer of completed-task samples: nothing lost, order kept, the owner never waits. */
class SampleBufferTest {

    private final List<Long> recorded = new CopyOnWriteArrayList<>();

    @Test
    void theOwnerRecordsAFullBufferAsOneBurstInOrderAndDrainRecordsTheRest() {
        SampleBuffer<String> buffer = new SampleBuffer<>((target, a, b) -> {
            assertThat(target).isEqualTo("t");
            assertThat(b).isEqualTo(-a);
            recorded.add(a);
        }, Thread.currentThread());
        for (long i = 0; i < SampleBuffer.SIZE; i++) {
            buffer.add("t", i, -i);
        }
        assertThat(recorded).as("held until the buffer overflows").isEmpty();
        buffer.add("t", SampleBuffer.SIZE, -SampleBuffer.SIZE);
        assertThat(recorded).hasSize(SampleBuffer.SIZE).isSorted();
        assertThat(buffer.drain()).isTrue();
        assertThat(recorded).hasSize(SampleBuffer.SIZE + 1).isSorted();
        assertThat(buffer.finished()).as("its owner is alive").isFalse();
    }

    @Test
    void aFullBufferThatAnotherThreadDrainsMakesTheOwnerRecordItsSampleAtOnce() throws Exception {
        CountDownLatch draining = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread owner = Thread.currentThread();
        SampleBuffer<String> buffer = new SampleBuffer<>((target, a, b) -> {
            if (Thread.currentThread() != owner && draining.getCount() > 0) {
                draining.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            recorded.add(a);
        }, owner);
        for (long i = 0; i < SampleBuffer.SIZE; i++) {
            buffer.add("t", i, 0);
        }
        Thread drainer = new Thread(buffer::drain);
        drainer.start();
        assertThat(draining.await(10, TimeUnit.SECONDS)).isTrue();
        buffer.add("t", 1_000, 0);
        assertThat(recorded).as("recorded by the owner while the drainer holds the buffer").containsExactly(1_000L);
        assertThat(buffer.drain()).as("another thread is draining").isFalse();
        release.countDown();
        drainer.join(10_000);
        assertThat(recorded).hasSize(SampleBuffer.SIZE + 1);
        assertThat(recorded.subList(1, recorded.size())).isSorted();
    }

    @Test
    void aBufferIsFinishedOnceItsThreadEndedAndItIsDrained() throws Exception {
        SampleBuffer<String>[] made = new SampleBuffer[1];
        Thread t = new Thread(() -> {
            made[0] = new SampleBuffer<>((target, a, b) -> recorded.add(a), Thread.currentThread());
            made[0].add("t", 7, 0);
        });
        t.start();
        t.join(10_000);
        assertThat(made[0].finished()).as("a sample is still buffered").isFalse();
        assertThat(made[0].drain()).isTrue();
        assertThat(recorded).containsExactly(7L);
        assertThat(made[0].finished()).isTrue();
    }
}
