package dev.forkwatch.sink.webhook;

import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads and drops a response body, up to {@code cap} bytes: past that the subscription is cancelled (the
 * connection is closed rather than read to its end), and {@link #abort} cancels it from outside when the
 * exchange's deadline passes. Only the status matters to the webhook; a receiver whose body never ends must not
 * hold delivery up.
 */
final class CappedBody implements HttpResponse.BodySubscriber<Void> {
    private final long cap;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private long seen;

    CappedBody(long cap) {
        this.cap = cap;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (done.isDone()) {
            s.cancel(); // aborted before the body started
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        for (ByteBuffer b : items) {
            seen += b.remaining();
        }
        if (seen > cap) {
            subscription.cancel();
            done.complete(null);
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onError(Throwable t) {
        done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        done.complete(null);
    }

    @Override
    public CompletionStage<Void> getBody() {
        return done;
    }

    /** Gives up on the body: the connection is closed. */
    void abort() {
        done.completeExceptionally(new HttpTimeoutException("response body not complete in time"));
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
