package dev.forkwatch.sink.webhook;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One POST of one alert and what came of it. A deadline covers the whole exchange, response body included (the
 * JDK's request timeout stops at the headers), and the body is read up to {@link #BODY_CAP} bytes. Messages never
 * hold header values, the secret or the URL's query.
 */
final class WebhookClient {
    static final int BODY_CAP = 64 << 10;

    /** What an attempt came to; {@code retryAfterMs} is the receiver's Retry-After, -1 when it gave none. */
    record Outcome(Kind kind, String detail, long retryAfterMs) {
        enum Kind { DELIVERED, RETRY, REJECTED }
    }

    private final WebhookSettings settings;
    private final Clock clock;
    private final HttpClient http;

    WebhookClient(WebhookSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout()).followRedirects(HttpClient.Redirect.NEVER);
        if (settings.url().getScheme().equalsIgnoreCase("https")) {
            b.sslContext(settings.ssl());
        }
        this.http = b.build();
    }

    /** POSTs {@code body} (the alert {@code id}) and waits for the whole answer at most {@code deadline}. */
    Outcome post(String id, String body, Duration deadline) throws InterruptedException {
        HttpRequest.Builder rq = HttpRequest.newBuilder(settings.url()).timeout(deadline)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        settings.headers().forEach(rq::header);
        if (settings.signer() != null) {
            long ts = clock.millis() / 1000; // fresh per attempt: receivers reject stale timestamps
            rq.header("webhook-id", id).header("webhook-timestamp", Long.toString(ts))
                    .header("webhook-signature", settings.signer().sign(id, ts, body));
        }
        AtomicReference<CappedBody> reading = new AtomicReference<>();
        CompletableFuture<HttpResponse<Void>> f = http.sendAsync(rq.build(), info -> {
            CappedBody b = new CappedBody(BODY_CAP);
            reading.set(b);
            return b;
        });
        HttpResponse<Void> resp;
        try {
            resp = f.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abort(f, reading);
            return new Outcome(Outcome.Kind.RETRY, "no complete answer within " + deadline.toMillis()
                    + "ms (outputs.webhook.timeout covers the whole exchange, body included) from " + where(), -1);
        } catch (InterruptedException e) {
            abort(f, reading);
            throw e;
        } catch (ExecutionException e) {
            return new Outcome(Outcome.Kind.RETRY, describe(e.getCause()), -1);
        }
        int s = resp.statusCode();
        if (s >= 200 && s < 300) {
            return new Outcome(Outcome.Kind.DELIVERED, "", -1);
        }
        if (s == 408 || s == 429 || s >= 500) {
            long after = retryAfterMs(resp.headers().firstValue("Retry-After").orElse(null));
            return new Outcome(Outcome.Kind.RETRY, "HTTP " + s + " from " + where(), after);
        }
        return new Outcome(Outcome.Kind.REJECTED, "HTTP " + s + " from " + where() + " (not retried)", -1);
    }

    private static void abort(CompletableFuture<?> f, AtomicReference<CappedBody> reading) {
        f.cancel(true);
        CappedBody b = reading.get();
        if (b != null) {
            b.abort();
        }
    }

    private String where() {
        return WebhookSettings.redacted(settings.url());
    }

    private String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
        Throwable t = e;
        String last = null;
        while (t != null) {
            if (t.getMessage() != null && !t.getMessage().equals(last)) {
                sb.append(": ").append(t.getMessage());
                last = t.getMessage();
            }
            t = t.getCause();
        }
        return sb + " (" + where() + ")";
    }

    /**
     * Retry-After as delay-seconds or an HTTP date, in ms (not yet clamped: see {@link Backoff#afterServerHint});
     * a number too large for a long is Long.MAX_VALUE; -1 when absent or unreadable.
     */
    long retryAfterMs(String v) {
        if (v == null || v.isBlank()) {
            return -1;
        }
        String t = v.trim();
        if (t.matches("\\d+")) {
            return t.length() > 15 ? Long.MAX_VALUE : Long.parseLong(t) * 1000; // 15 digits * 1000 fit a long
        }
        try {
            return Math.max(0, ZonedDateTime.parse(t, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli()
                    - clock.millis());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "WebhookClient[" + where() + "]";
    }
}
