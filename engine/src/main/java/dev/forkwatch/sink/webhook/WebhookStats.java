package dev.forkwatch.sink.webhook;

/**
 * Webhook delivery counters, for the CLI to print at exit.
 *
 * @param delivered    alerts the receiver answered 2xx for
 * @param retried      failed attempts that were (or will be) retried
 * @param deadLettered alerts given up on (rejected with a 4xx, older than retry.max_age, or corrupt) and
 *                     written to the dead-letter file
 * @param refused      alerts not spooled because the spool was full (or could not be written): lost (exit 5)
 * @param pending      alerts still in the spool, waiting for delivery (after close: left for the next start; exit 4)
 */
public record WebhookStats(long delivered, long retried, long deadLettered, long refused, long pending) {

    /** One line for the end-of-run summary. */
    public String summary() {
        return "webhook: delivered " + delivered + ", retried " + retried + ", dead-lettered " + deadLettered
                + ", refused " + refused + ", left in spool " + pending;
    }
}
