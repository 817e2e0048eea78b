package dev.forkwatch.rules;

import dev.forkwatch.event.Vfork;
import java.util.Arrays;

/**
 * The vfork children a rule gathered with the {@code burst} accumulate function ({@link BurstFunction}), oldest
 * first, e.g. every child of one parent in the session. {@link #count(long)} counts those of the last span before
 * the newest at nanosecond precision, in O(1) amortized: a rule can recount on every child of a busy parent
 * (rules/vfork.drl, "Vfork storm"). Children come in time order and leave oldest first (expiry, eviction);
 * anything else is handled too, at the cost of one full count.
 */
public final class Burst {
    private Vfork[] buf = new Vfork[8];
    private int head;
    private int tail;
    /** Children at [head, cut) are older than the span last counted ({@code cutSpan}) before the newest. */
    private int cut;
    private long cutSpan = -1;

    /** Children created within {@code spanNs} before the newest, the newest included (0 when there is none). */
    public int count(long spanNs) {
        if (head == tail) {
            return 0;
        }
        if (spanNs != cutSpan || cut < head) {
            cutSpan = spanNs;
            cut = head;
        }
        long from = buf[tail - 1].ts() - spanNs;
        while (cut < tail && buf[cut].ts() <= from) {
            cut++;
        }
        return tail - cut;
    }

    /** The newest child, or null when there is none. */
    public Vfork newest() {
        return head == tail ? null : buf[tail - 1];
    }

    /** All children gathered. */
    public int size() {
        return tail - head;
    }

    void add(Vfork v) {
        if (tail == buf.length) {
            int n = tail - head;
            buf = n * 2 > buf.length ? Arrays.copyOfRange(buf, head, head + buf.length * 2) : Arrays.copyOfRange(buf, head, head + buf.length);
            cut -= head;
            tail = n;
            head = 0;
        }
        int i = tail++;
        while (i > head && buf[i - 1].ts() > v.ts()) { // a late child goes to its place
            buf[i] = buf[i - 1];
            i--;
            cutSpan = -1;
        }
        buf[i] = v;
    }

    void remove(Vfork v) {
        if (head < tail && buf[head] == v) {
            buf[head++] = null; // the usual case: the oldest leaves first
            return;
        }
        for (int i = head; i < tail; i++) {
            if (buf[i] == v) {
                System.arraycopy(buf, i + 1, buf, i, tail - i - 1);
                buf[--tail] = null;
                cutSpan = -1;
                return;
            }
        }
    }

    /** Names the newest child and the size, so that alert ids (rule and matched facts) tell two bursts apart. */
    @Override
    public String toString() {
        return "Burst[size=" + size() + ", newest=" + newest() + "]";
    }
}
