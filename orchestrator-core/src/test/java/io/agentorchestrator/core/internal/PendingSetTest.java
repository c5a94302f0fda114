package io.agentorchestrator.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PendingSetTest {

    @Test
    void walksTheItemsStillPresentAndCountsThem() {
        PendingSet<String> set = new PendingSet<>();
        PendingSet.Entry<String> a = set.track("a");
        set.track("b");
        PendingSet.Entry<String> c = set.track("c");

        assertThat(set.untrack(a)).isEqualTo("a");
        assertThat(set.untrack(a)).as("a second untrack finds nothing").isNull();
        assertThat(set.untrack(c)).isEqualTo("c");

        assertThat(set).containsExactly("b");
        assertThat(set.size()).isEqualTo(1);
    }

    @Test
    void aStreamDoesNotTrustTheCountWhichMayLagTheEntries() throws Exception {
        PendingSet<String> set = new PendingSet<>();
        PendingSet.Entry<String> a = set.track("a");
        set.track("b");
        // An entry cleared by a remover not yet counted out: what a racing untrack looks like in between.
        java.lang.reflect.Field item = PendingSet.Entry.class.getDeclaredField("item");
        item.setAccessible(true);
        item.set(a, null);

        assertThat(set.size()).isEqualTo(2);
        assertThat(set.stream().toArray()).containsExactly("b");
    }

    @Test
    void untrackAllTakesWhatIsLeftAndALaterUntrackGetsNothing() {
        PendingSet<String> set = new PendingSet<>();
        PendingSet.Entry<String> a = set.track("a");
        set.track("b");

        assertThat(set.untrackAll()).containsExactlyInAnyOrder("a", "b");
        assertThat(set.untrack(a)).isNull();
        assertThat(set).isEmpty();
    }

    @Test
    void entriesOfRemovedItemsDoNotPileUp() {
        PendingSet<Integer> set = new PendingSet<>();
        for (int i = 0; i < 100 * PendingSet.SWEEP_EVERY; i++) {
            set.untrack(set.track(i));
        }
        PendingSet.Entry<Integer> kept = set.track(-1);

        assertThat(set.entries()).as("entries still linked").isLessThan(20 * PendingSet.SWEEP_EVERY);
        assertThat(set).containsExactly(-1);
        assertThat(set.entries()).as("a walk unlinks the removed ones").isLessThanOrEqualTo(2);
        assertThat(set.untrack(kept)).isEqualTo(-1);
    }

    @Test
    void ofRacingRemoversExactlyOneGetsEachItem() throws Exception {
        PendingSet<Integer> set = new PendingSet<>();
        int items = 20_000;
        ConcurrentLinkedQueue<PendingSet.Entry<Integer>> entries = new ConcurrentLinkedQueue<>();
        AtomicInteger taken = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < items; i++) {
                    entries.add(set.track(i));
                }
                return null;
            }));
            for (int t = 0; t < 2; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < items; i++) {
                        PendingSet.Entry<Integer> e = entries.poll();
                        if (e != null && set.untrack(e) != null) {
                            taken.incrementAndGet();
                        }
                        if (i % 1000 == 0) {
                            taken.addAndGet(set.untrackAll().size());
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
            taken.addAndGet(set.untrackAll().size());
        } finally {
            pool.shutdownNow();
        }
        assertThat(taken.get()).isEqualTo(items);
        assertThat(set.size()).isZero();
        assertThat(set).isEmpty();
    }
}
