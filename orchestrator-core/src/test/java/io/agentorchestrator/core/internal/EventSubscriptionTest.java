package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentorchestrator.api.OrchestratorEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class EventSubscriptionTest {

    private static OrchestratorEvent event(int i) {
        return new OrchestratorEvent.TaskDispatched(Instant.EPOCH, "t" + i, "cap", "a", 1);
    }

    @Test
    void aSubscriberThatKeepsUpGetsEveryEventEvenWhenTheyComeFasterThanOneBufferPerPoll() {
        List<OrchestratorEvent> received = new CopyOnWriteArrayList<>();
        LongAdder dropped = new LongAdder();
        Flow.Subscriber<OrchestratorEvent> subscriber = new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(OrchestratorEvent item) {
                received.add(item);
            }

            @Override
            public void onError(Throwable throwable) {
            }

            @Override
            public void onComplete() {
            }
        };
        int capacity = 16;
        // A poll so rare that it never comes during the test: only the emitters' wake-ups deliver.
        EventSubscription s = new EventSubscription(subscriber, capacity, dropped, x -> { }, TimeUnit.HOURS.toNanos(1));
        s.start("event-subscription-test");
        try {
            int n = 0;
            for (int round = 1; round <= 50; round++) {
                // Half a buffer at a time: never more than fits, so nothing may be lost.
                for (int i = 0; i < capacity / 2; i++) {
                    s.offer(event(n++));
                }
                int expected = n;
                await().pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10)).until(() -> received.size() == expected);
            }
            assertThat(dropped.sum()).isZero();
            assertThat(received).extracting(e -> ((OrchestratorEvent.TaskDispatched) e).taskId()).startsWith("t0", "t1", "t2")
                    .endsWith("t" + (n - 1)).doesNotHaveDuplicates();
        } finally {
            s.cancel();
        }
    }
}
