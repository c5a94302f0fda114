package io.agentorchestrator.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Things in progress (running tasks, unanswered replies), added and removed on the dispatch path
 * by many threads, walked only now and then (a timeout sweep, a close).
 *
 * <p>Adding pushes an entry on a lock-free stack (one compare-and-set, no hashing); removing
 * clears the entry's item (one atomic swap on the entry's own line) and leaves unlinking the
 * cleared entry to the next walk, which every {@value #SWEEP_EVERY} adds or so the adding thread
 * also makes, so cleared entries stay bounded. A concurrent hash set, which this replaced for the
 * engine's running tasks, paid a hash bin update and a shared size update for each add and each
 * remove: a measurable share of an in-process dispatch.
 *
 * <p>Thread-safe. {@link #iterator()} walks a snapshot of the items present at the time; the
 * {@link java.util.Collection} mutators other than {@link #track} and {@link #untrack} are not
 * supported.
 */
final class PendingSet<T> extends AbstractCollection<T> {

    /** About how many adds pass between two sweeps made by adding threads. */
    static final int SWEEP_EVERY = 1024;

    /** One item's place in the set; {@link #untrack(Entry)} it when the item is done. */
    static final class Entry<T> {
        private static final VarHandle ITEM;

        static {
            try {
                ITEM = MethodHandles.lookup().findVarHandle(Entry.class, "item", Object.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private volatile T item;
        /** Written before the entry is published, then only by walks, under the walk lock. */
        private Entry<T> next;

        private Entry(T item) {
            this.item = item;
        }

        @SuppressWarnings("unchecked")
        private T take() {
            return item == null ? null : (T) ITEM.getAndSet(this, null);
        }
    }

    private final AtomicReference<Entry<T>> head = new AtomicReference<>();
    private final LongAdder size = new LongAdder();
    private final ReentrantLock walking = new ReentrantLock();

    /** Adds {@code item}; returns its entry, for {@link #untrack(Entry)}. */
    Entry<T> track(T item) {
        Entry<T> e = new Entry<>(item);
        Entry<T> h;
        do {
            h = head.get();
            e.next = h;
        } while (!head.compareAndSet(h, e));
        size.increment();
        if ((ThreadLocalRandom.current().nextInt() & (SWEEP_EVERY - 1)) == 0 && walking.tryLock()) {
            try {
                walk(null);
            } finally {
                walking.unlock();
            }
        }
        return e;
    }

    /**
     * Removes the item of {@code entry}, and returns it; null when it was removed already, by
     * this method or by {@link #untrackAll()}: of racing removers exactly one gets the item.
     */
    T untrack(Entry<T> entry) {
        T item = entry.take();
        if (item != null) {
            size.decrement();
        }
        return item;
    }

    /** Removes every item and returns them. */
    List<T> untrackAll() {
        List<T> taken = new ArrayList<>();
        walking.lock();
        try {
            for (Entry<T> e = head.get(); e != null; e = e.next) {
                T item = e.take();
                if (item != null) {
                    size.decrement();
                    taken.add(item);
                }
            }
            walk(null);
        } finally {
            walking.unlock();
        }
        return taken;
    }

    /** Entries still linked, removed items' included until a walk unlinks them; for tests. */
    int entries() {
        int n = 0;
        for (Entry<T> e = head.get(); e != null; e = e.next) {
            n++;
        }
        return n;
    }

    /** The items present; a count kept apart from the entries, so it may briefly lag a racing add or remove. */
    @Override
    public int size() {
        long n = size.sum();
        return n <= 0 ? 0 : (int) Math.min(n, Integer.MAX_VALUE);
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    /** A snapshot of the items present now; unlinks the entries of removed ones on the way. */
    @Override
    public Iterator<T> iterator() {
        List<T> live = new ArrayList<>();
        walking.lock();
        try {
            walk(live);
        } finally {
            walking.unlock();
        }
        return Collections.unmodifiableList(live).iterator();
    }

    /** Over a snapshot, of no promised size: the count may lag the entries. */
    @Override
    public java.util.Spliterator<T> spliterator() {
        return java.util.Spliterators.spliteratorUnknownSize(iterator(), java.util.Spliterator.NONNULL);
    }

    /**
     * Unlinks cleared entries after the head (the head itself is left: adders race for it), and
     * collects the items still present into {@code into} unless it is null. Under the walk lock.
     */
    private void walk(List<T> into) {
        Entry<T> prev = head.get();
        if (prev == null) {
            return;
        }
        T first = prev.item;
        if (first != null && into != null) {
            into.add(first);
        }
        for (Entry<T> e = prev.next; e != null; e = e.next) {
            T item = e.item;
            if (item == null) {
                prev.next = e.next;
            } else {
                if (into != null) {
                    into.add(item);
                }
                prev = e;
            }
        }
    }
}
