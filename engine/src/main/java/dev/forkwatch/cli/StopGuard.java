package dev.forkwatch.cli;

import java.io.Flushable;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * Makes {@code run} always stop. A stop request (SIGTERM, SIGINT) runs the stop action at once (probes detached,
 * source told to stop) and starts a watchdog: if the rules have not finished within the grace period (Java
 * cannot pre-empt a rule consequence stuck in a loop), it flushes what it can, each flush bounded, and halts the
 * JVM with {@link ExitCode#HALTED}.
 */
final class StopGuard {
    /** How long one flush may take before the halt goes ahead without it (a write may hang on a full disk). */
    private static final long FLUSH_WAIT_MS = 1_000;

    private final long graceNs;
    private final Runnable stopAction;
    private final List<Flushable> flushables;
    private final PrintStream err;
    private final IntConsumer halt;
    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);

    /** @param halt {@code Runtime.getRuntime()::halt} in production */
    StopGuard(long graceNs, Runnable stopAction, List<Flushable> flushables, PrintStream err, IntConsumer halt) {
        this.graceNs = graceNs;
        this.stopAction = stopAction;
        this.flushables = flushables;
        this.err = err;
        this.halt = halt;
    }

    /** A stop was asked for (from a signal handler: returns at once). Later requests are ignored. */
    void request(String why) {
        if (!requested.compareAndSet(false, true)) {
            return;
        }
        stopAction.run();
        Thread watchdog = new Thread(() -> watch(why), "forkwatch-stop-guard");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** The rules have finished: no halt from now on. */
    void finished() {
        finished.countDown();
    }

    private void watch(String why) {
        try {
            if (finished.await(graceNs, TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.printf("forkwatch: the rules did not finish within %dms of %s (a rule consequence stuck in a loop?): "
                + "flushing and halting with exit code %d%n", TimeUnit.NANOSECONDS.toMillis(graceNs), why, ExitCode.HALTED);
        for (Flushable f : flushables) {
            flushBounded(f);
        }
        err.flush();
        halt.accept(ExitCode.HALTED);
    }

    /** Flushes on a helper thread and waits a bounded time: a write stuck on a full disk must not block the halt. */
    private void flushBounded(Flushable f) {
        Thread t = new Thread(() -> {
            try {
                f.flush();
            } catch (IOException | RuntimeException e) {
                err.println("forkwatch: flush before halt failed: " + e.getMessage());
            }
        }, "forkwatch-halt-flush");
        t.setDaemon(true);
        t.start();
        try {
            t.join(FLUSH_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
