package dev.forkwatch.bench;

import com.sun.net.httpserver.HttpServer;
import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.config.Config;
import dev.forkwatch.sink.webhook.WebhookSettings;
import dev.forkwatch.sink.webhook.WebhookSink;
import dev.forkwatch.sink.webhook.WebhookStats;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Webhook delivery to a loopback receiver (JDK HttpServer answering 204): how fast accept() returns, how many
 * alerts per second reach the receiver, and the latency from accept() to receipt (both clocks are this JVM's
 * System.nanoTime). Alerts are signed, as in production. {@code ratePerSec} 0 offers them as fast as possible
 * (throughput); a rate below capacity shows latency without queueing.
 */
public final class WebhookBench {
    public record Result(int alerts, double acceptPerSec, double deliveredPerSec, double p50Ms, double p99Ms,
                         double maxMs, WebhookStats stats) {
    }

    private WebhookBench() {
    }

    public static Result run(int count, long ratePerSec, long fsyncIntervalMs, PrintStream log) throws Exception {
        Map<String, Long> received = new ConcurrentHashMap<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        server.createContext("/", ex -> {
            long now = System.nanoTime();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int i = body.indexOf("\"uuid\":\"") + 8;
            received.putIfAbsent(body.substring(i, body.indexOf('"', i)), now);
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.setExecutor(pool);
        server.start();
        Path spool = Files.createTempDirectory("forkwatch-bench-spool");
        try {
            Config c = Config.defaults()
                    .with("outputs.webhook.url", "http://127.0.0.1:" + server.getAddress().getPort() + "/", "bench")
                    .with("outputs.webhook.spool_dir", spool.toString(), "bench")
                    .with("outputs.webhook.fsync_interval", fsyncIntervalMs * 1_000_000L, "bench");
            WebhookSink sink = new WebhookSink(WebhookSettings.from(c,
                    Map.of("FORKWATCH_WEBHOOK_SECRET", "whsec_YmVuY2htYXJrLXNlY3JldC1rZXk="), log), log);
            Alert[] alerts = new Alert[count];
            for (int i = 0; i < count; i++) {
                alerts[i] = new Alert(UUID.randomUUID().toString(), System.currentTimeMillis() * 1_000_000L,
                        "Vfork child stalled", Priority.WARNING, "vfork child " + i + " of make (ppid 4242) stalled",
                        Map.of("proc.pid", 10_000 + i, "proc.ppid", 4242, "proc.name", "make", "vfork.stall_ms", 5000),
                        List.of("T1499", "vfork"), "bench-host");
            }
            long[] accepted = new long[count];
            long stepNs = ratePerSec > 0 ? 1_000_000_000L / ratePerSec : 0;
            long t0 = System.nanoTime();
            long acceptNs = 0;
            for (int i = 0; i < count; i++) {
                if (stepNs > 0) {
                    long due = t0 + i * stepNs;
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                }
                long a = System.nanoTime();
                accepted[i] = a;
                sink.accept(alerts[i]);
                acceptNs += System.nanoTime() - a;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (received.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long last = received.values().stream().max(Comparator.naturalOrder()).orElse(t0);
            sink.close();
            double[] lat = new double[count];
            int n = 0;
            for (int i = 0; i < count; i++) {
                Long r = received.get(alerts[i].uuid());
                if (r != null) {
                    lat[n++] = (r - accepted[i]) / 1e6;
                }
            }
            lat = Arrays.copyOf(lat, n);
            Arrays.sort(lat);
            Result res = new Result(n, count / (acceptNs / 1e9), n / ((last - t0) / 1e9), pct(lat, 0.50), pct(lat, 0.99),
                    n == 0 ? 0 : lat[n - 1], sink.stats());
            log.printf("alerts=%d rate=%s fsync_interval=%dms: accept %.0f/s, delivered %.0f/s, latency p50 %.2f ms, "
                            + "p99 %.2f ms, max %.2f ms%n", n, ratePerSec == 0 ? "max" : ratePerSec + "/s", fsyncIntervalMs,
                    res.acceptPerSec(), res.deliveredPerSec(), res.p50Ms(), res.p99Ms(), res.maxMs());
            return res;
        } finally {
            server.stop(0);
            pool.shutdownNow();
            deleteTree(spool);
        }
    }

    private static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
