package dev.forkwatch.rules;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Rules run on a daemon thread of their own and waited for at most a given time, so that a consequence that never
 * returns can be reported instead of hanging the caller: Java cannot stop it, so it is left behind with its
 * session (the smoke run and the warm-up).
 */
final class BoundedRun<T> {
    private final FutureTask<T> task;
    private final String what;

    /** Starts {@code body} on a daemon thread named {@code thread}; {@code what} names the run in messages. */
    BoundedRun(String thread, String what, Callable<T> body) {
        this.task = new FutureTask<>(body);
        this.what = what;
        Thread t = new Thread(task, thread);
        t.setDaemon(true);
        t.start();
    }

    /** What the run returned; what it threw is thrown here. */
    T await(long limitMs) throws TimeoutException {
        try {
            return task.get(limitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (failed.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(failed.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + what, interrupted);
        }
    }
}
