package dev.forkwatch.sink.webhook;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertJson;
import dev.forkwatch.event.Text;
import dev.forkwatch.sink.Sink;
import dev.forkwatch.sink.SinkException;
import dev.forkwatch.sink.SinkReport;
import dev.forkwatch.sink.spool.Record;
import dev.forkwatch.sink.spool.Spool;
import dev.forkwatch.sink.spool.SpoolBusyException;
import dev.forkwatch.sink.spool.UnsafeSpoolException;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivers alerts to an HTTP(S) receiver, one POST per alert, without losing any. {@link #accept} only appends
 * the alert to the on-disk {@link Spool} and wakes the delivery thread; that thread posts spooled alerts in order,
 * retrying the head (exponential backoff with jitter) on connection errors, timeouts, 408, 429 and 5xx, and
 * dead-lettering it on any other status or once it is older than retry.max_age. {@link #close} waits up to
 * drain_timeout, then leaves the rest in the spool for the next start.
 */
public final class WebhookSink implements Sink {
    private static final long CURSOR_COMMIT_MS = 200;

    private final WebhookSettings settings;
    private final PrintStream err;
    private final Clock clock;
    private final Spool spool;
    private final WebhookClient client;
    private final Backoff backoff;
    private final Thread deliverer;
    private final Thread syncer;
    private final Object wake = new Object();

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile long leftAtClose = -1;
    /** When the alert at the head of the spool was spooled (ms), or -1 when the deliverer found it empty. */
    private volatile long headSpooledAtMs = -1;

    private volatile boolean closing;
    private volatile long drainDeadlineNanos;
    private volatile boolean closed;
    private String lastError;
    private long failedInRow;

    public WebhookSink(WebhookSettings settings, PrintStream err) {
        this(settings, err, Clock.systemUTC());
    }

    WebhookSink(WebhookSettings settings, PrintStream err, Clock clock) {
        this.settings = settings;
        this.err = err;
        this.clock = clock;
        try {
            this.spool = Spool.open(settings.spoolDir(), settings.spoolMaxBytes(), settings.fsyncInterval().isZero());
        } catch (UnsafeSpoolException e) {
            throw new SinkException(SinkException.Kind.BAD_SETTING, "outputs.webhook.spool_dir: " + e.getMessage());
        } catch (SpoolBusyException e) {
            throw new SinkException(SinkException.Kind.UNUSABLE, "outputs.webhook.spool_dir: " + e.getMessage());
        } catch (IOException e) {
            throw new SinkException(SinkException.Kind.UNUSABLE, "outputs.webhook.spool_dir: cannot use spool directory "
                    + settings.spoolDir() + ": " + e);
        }
        spool.notes().forEach(this::log);
        long backlog = spool.pendingCount();
        if (backlog > 0) {
            log(backlog + " alert(s) left in the spool by an earlier run are delivered first");
        }
        this.client = new WebhookClient(settings, clock);
        this.backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff());
        deliverer = new Thread(this::deliverLoop, "forkwatch-webhook");
        deliverer.setDaemon(true);
        deliverer.start();
        if (settings.fsyncInterval().isZero()) {
            syncer = null;
        } else {
            syncer = new Thread(this::syncLoop, "forkwatch-spool-sync");
            syncer.setDaemon(true);
            syncer.start();
        }
    }

    /** Appends the alert to the spool (see {@link Spool#append} for when it is fsync'd) and wakes the deliverer. */
    @Override
    public void accept(Alert alert) {
        if (closed) {
            throw new IllegalStateException("webhook sink is closed");
        }
        boolean ok;
        try {
            ok = spool.append(AlertJson.toJson(alert), clock.millis());
        } catch (IOException e) {
            long n = refused.incrementAndGet();
            if (n == 1 || n % 1000 == 0) {
                log("cannot write to the spool " + settings.spoolDir() + " (" + e.getMessage() + "): alert " + alert.uuid()
                        + " refused (" + n + " so far)");
            }
            return;
        }
        if (!ok) {
            long n = refused.incrementAndGet();
            if (n == 1 || n % 1000 == 0) {
                log("spool is full (outputs.webhook.spool_max_bytes=" + spool.maxBytes() + "): alert " + alert.uuid()
                        + " refused, older alerts are kept (" + n + " refused so far)");
            }
            return;
        }
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** fsyncs the spool: after flush() every accepted alert is on stable storage. */
    @Override
    public void flush() {
        try {
            spool.sync();
        } catch (IOException e) {
            log("cannot fsync the spool: " + e.getMessage());
        }
    }

    /**
     * Waits up to drain_timeout for the spool to empty, then stops; what is left stays in the spool (reported on
     * the error stream and in {@link #stats}).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        flush();
        drainDeadlineNanos = System.nanoTime() + settings.drainTimeout().toNanos();
        closing = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            deliverer.join(Math.max(1, settings.drainTimeout().toMillis() + 200));
            if (deliverer.isAlive()) {
                deliverer.interrupt(); // a request in flight: its alert stays spooled, sent again next time
                deliverer.join(2000);
            }
            if (syncer != null) {
                syncer.interrupt();
                syncer.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long left = spool.pendingCount();
        try {
            spool.sync();
            spool.commitCursor();
            spool.close();
        } catch (IOException e) {
            log("cannot close the spool cleanly: " + e.getMessage());
        }
        leftAtClose = left;
        if (left > 0) {
            log(left + " alert(s) not delivered within drain_timeout " + settings.drainTimeout().toMillis()
                    + "ms; they stay in " + settings.spoolDir() + " and are sent first on the next start");
        }
        if (refused.get() > 0) {
            log(refused.get() + " alert(s) were refused because the spool was full or unwritable: they are lost");
        }
    }

    public WebhookStats stats() {
        long pending = leftAtClose >= 0 ? leftAtClose : spool.pendingCount();
        return new WebhookStats(delivered.get(), retried.get(), deadLettered.get(), refused.get(), pending);
    }

    /** Age of the oldest alert waiting in the spool (the one being delivered or retried), ms; 0 when none waits. */
    public long oldestPendingAgeMs() {
        long at = headSpooledAtMs;
        return at < 0 || stats().pending() == 0 ? 0 : Math.max(0, clock.millis() - at);
    }

    /** The summary line; pending = left in the spool (exit 4), lost = refused by the spool (exit 5). */
    @Override
    public SinkReport report() {
        WebhookStats st = stats();
        return new SinkReport(java.util.List.of(st.summary()), st.pending(), st.refused());
    }

    public WebhookSettings settings() {
        return settings;
    }

    private void syncLoop() {
        long ms = Math.max(1, settings.fsyncInterval().toMillis());
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(ms);
                spool.sync();
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                log("cannot fsync the spool: " + e.getMessage());
            }
        }
    }

    private void deliverLoop() {
        while (true) {
            try {
                deliverUntilDone();
                return;
            } catch (InterruptedException e) {
                return; // close() gave up waiting
            } catch (IOException | RuntimeException e) {
                if (closing && Thread.currentThread().isInterrupted()) {
                    return; // close() interrupted a file or network operation: nothing to report
                }
                log("delivery error, alerts stay in the spool, retrying in 1s: " + e);
                try {
                    sleepUntilRetry(1000);
                } catch (InterruptedException ie) {
                    return;
                }
                if (closing && System.nanoTime() - drainDeadlineNanos >= 0) {
                    return;
                }
            }
        }
    }

    private void deliverUntilDone() throws IOException, InterruptedException {
        long lastCommit = System.nanoTime();
        int attempt = 0;
        while (true) { // one iteration: one attempt at the head of the spool
            if (closing && System.nanoTime() - drainDeadlineNanos >= 0) {
                return;
            }
            if (System.nanoTime() - lastCommit > CURSOR_COMMIT_MS * 1_000_000L) {
                spool.commitCursor();
                lastCommit = System.nanoTime();
            }
            Record r = spool.peek();
            headSpooledAtMs = r == null ? -1 : r.spooledAtMs();
            if (r == null) {
                if (closing) {
                    return;
                }
                // idle: the cursor is saved by the periodic check above, not after every alert
                synchronized (wake) {
                    if (spool.peek() == null && !closing) {
                        wake.wait(CURSOR_COMMIT_MS);
                    }
                }
                continue;
            }
            long now = clock.millis();
            if (r.json() == null) {
                giveUp(r, "corrupt spool record (not one JSON object): not sent", now);
                continue;
            }
            if (now - r.spooledAtMs() > settings.maxAge().toMillis()) {
                giveUp(r, "not delivered within retry.max_age " + settings.maxAge(), now);
                continue;
            }
            WebhookClient.Outcome o = client.post(uuidOf(r), r.json(), deadline());
            if (o.kind() == WebhookClient.Outcome.Kind.DELIVERED) {
                if (failedInRow > 0) {
                    log("delivery resumed after " + failedInRow + " failed attempt(s)");
                }
                failedInRow = 0;
                lastError = null;
                attempt = 0;
                delivered.incrementAndGet();
                spool.advance(r);
            } else if (o.kind() == WebhookClient.Outcome.Kind.REJECTED) {
                attempt = 0;
                giveUp(r, o.detail(), now);
            } else {
                retried.incrementAndGet();
                failedInRow++;
                boolean cutByDrain = closing && System.nanoTime() - drainDeadlineNanos >= 0;
                if (!o.detail().equals(lastError) && !cutByDrain) {
                    log("delivery failed, will retry: " + o.detail());
                    lastError = o.detail();
                }
                long wait = o.retryAfterMs() >= 0 ? backoff.afterServerHint(o.retryAfterMs()) : backoff.afterFailure(attempt);
                attempt++;
                sleepUntilRetry(wait);
            }
        }
    }

    private void giveUp(Record r, String reason, long now) throws IOException {
        spool.deadLetter(r, reason, AlertJson.rfc3339(now * 1_000_000L));
        spool.advance(r);
        long n = deadLettered.incrementAndGet();
        log("alert " + uuidOf(r) + " dead-lettered to " + spool.deadLetterFile() + ": " + reason + " (" + n + " so far)");
    }

    private static String uuidOf(Record r) {
        if (r.json() == null) {
            return "(corrupt record)";
        }
        int i = r.json().indexOf("\"uuid\":\"");
        return i < 0 ? "?" : r.json().substring(i + 8, Math.max(i + 8, r.json().indexOf('"', i + 8)));
    }

    /** outputs.webhook.timeout, cut to what is left of drain_timeout while closing. */
    private Duration deadline() {
        Duration timeout = settings.timeout();
        if (closing) {
            long left = drainDeadlineNanos - System.nanoTime();
            timeout = Duration.ofNanos(Math.max(1_000_000L, Math.min(timeout.toNanos(), left)));
        }
        return timeout;
    }

    private void sleepUntilRetry(long ms) throws InterruptedException {
        long until = System.nanoTime() + ms * 1_000_000L;
        synchronized (wake) {
            while (true) {
                long left = until - System.nanoTime();
                if (closing) {
                    left = Math.min(left, drainDeadlineNanos - System.nanoTime());
                }
                if (left <= 0) {
                    return;
                }
                wake.wait(Math.max(1, left / 1_000_000L)); // woken by accept()/close() too: recheck and sleep on
            }
        }
    }

    /** One line on stderr; escaped, as exception texts can carry what a receiver sent. */
    private void log(String msg) {
        err.println("forkwatch: webhook: " + Text.printable(msg));
    }

    @Override
    public String toString() {
        return "WebhookSink[" + settings + "]";
    }
}
