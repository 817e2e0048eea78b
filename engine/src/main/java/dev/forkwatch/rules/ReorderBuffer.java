package dev.forkwatch.rules;

import dev.forkwatch.event.Event;

/**
 * Events waiting for the watermark, kept sorted by timestamp; events with equal timestamps keep their arrival
 * order. Sources deliver events almost in order (a recorded trace fully, the kernel ring buffer per CPU), so an
 * event is placed by moving back from the newest end: O(1) for an in-order event, O(distance) for a late one.
 * This replaced a binary heap, whose O(log n) sift per event cost a tenth of replay time (docs/performance.md).
 */
final class ReorderBuffer {
    private Event[] ring = new Event[1024];
    private int head;
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The oldest event; the buffer must not be empty. */
    Event peek() {
        return ring[head];
    }

    /** Removes and returns the oldest event; the buffer must not be empty. */
    Event poll() {
        Event e = ring[head];
        ring[head] = null;
        head = (head + 1) & (ring.length - 1);
        size--;
        return e;
    }

    void add(Event e) {
        if (size == ring.length) {
            grow();
        }
        int mask = ring.length - 1;
        long ts = e.ts();
        int i = size;
        // Shift newer events one place towards the tail until e's place is found (after any equal timestamp).
        while (i > 0) {
            Event prev = ring[(head + i - 1) & mask];
            if (prev.ts() <= ts) {
                break;
            }
            ring[(head + i) & mask] = prev;
            i--;
        }
        ring[(head + i) & mask] = e;
        size++;
    }

    private void grow() {
        Event[] bigger = new Event[ring.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = ring[(head + i) & (ring.length - 1)];
        }
        ring = bigger;
        head = 0;
    }
}
