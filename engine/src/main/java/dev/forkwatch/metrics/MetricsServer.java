package dev.forkwatch.metrics;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP endpoint: {@code GET /metrics} (the Prometheus client library's own handler, text format) and
 * {@code GET /healthz} (200 "ok", or 503 with a one-line reason, from {@link Health}). Anything else is 404.
 */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;
    private final ExecutorService executor;
    private final InetSocketAddress address;

    private MetricsServer(HTTPServer server, ExecutorService executor, InetSocketAddress address) {
        this.server = server;
        this.executor = executor;
        this.address = address;
    }

    /**
     * Starts listening on {@code listen} (see {@link ListenAddress}). Binding fails with an
     * IllegalArgumentException naming the address (port in use, address not on this host).
     */
    public static MetricsServer start(ListenAddress listen, PrometheusMetrics metrics, Health health) {
        // Two daemon threads: a scrape never competes with the engine for more, and never keeps the JVM alive.
        ExecutorService ex = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "forkwatch-metrics");
            t.setDaemon(true);
            return t;
        });
        try {
            HTTPServer s = HTTPServer.builder().hostname(listen.host()).port(listen.port())
                    .registry(metrics.registry()).executorService(ex).registerHealthHandler(false)
                    .defaultHandler(exchange -> health(exchange, health)).buildAndStart();
            return new MetricsServer(s, ex, new InetSocketAddress(listen.host(), s.getPort()));
        } catch (IOException e) {
            ex.shutdownNow();
            throw new IllegalArgumentException(listen + ": cannot listen: " + e.getMessage(), e);
        }
    }

    private static void health(HttpExchange x, Health health) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            if (!path.equals("/healthz")) {
                reply(x, 404, "not found: try /metrics or /healthz");
                return;
            }
            Health.Status s = health.status();
            reply(x, s.healthy() ? 200 : 503, s.reason());
        }
    }

    private static void reply(HttpExchange x, int code, String line) throws IOException {
        byte[] body = (line + "\n").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(code, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Where it listens (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        server.close();
        executor.shutdownNow();
    }
}
