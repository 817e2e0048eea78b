package dev.forkwatch.sink.webhook;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** How long to wait before the next attempt: retry.initial_backoff doubling up to retry.max_backoff. */
record Backoff(Duration initial, Duration max) {

    /** Exponential backoff with equal jitter: half the step fixed, half random. */
    long afterFailure(int attempt) {
        long base = initial.toMillis();
        long cap = max.toMillis();
        long step = attempt >= 30 ? cap : Math.min(cap, base << attempt);
        long half = Math.max(1, step / 2);
        return half + ThreadLocalRandom.current().nextLong(half + 1);
    }

    /**
     * A receiver's Retry-After, clamped to [initial, max]: {@code 0} must not turn retries into a flood, and a
     * huge value must not stall delivery for days.
     */
    long afterServerHint(long retryAfterMs) {
        return Math.min(Math.max(retryAfterMs, initial.toMillis()), max.toMillis());
    }
}
