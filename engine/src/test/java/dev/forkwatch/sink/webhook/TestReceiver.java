package dev.forkwatch.sink.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** A real HTTP(S) server on 127.0.0.1 that records every request and answers as scripted. */
final class TestReceiver implements AutoCloseable {
    record Request(int n, Map<String, String> headers, String body, long receivedNanos) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    record Reply(int status, Map<String, String> headers, long delayMs) {
        static Reply of(int status) {
            return new Reply(status, Map.of(), 0);
        }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();
    private volatile BiFunction<Integer, Request, Reply> script;

    private TestReceiver(HttpServer server, BiFunction<Integer, Request, Reply> script) {
        this.server = server;
        this.script = script;
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    static TestReceiver http(BiFunction<Integer, Request, Reply> script) throws IOException {
        return new TestReceiver(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16), script);
    }

    static TestReceiver ok() throws IOException {
        return http((n, r) -> Reply.of(200));
    }

    /** HTTPS with the given server context; {@code needClientAuth} for mutual TLS. */
    static TestReceiver https(SSLContext ctx, boolean needClientAuth, BiFunction<Integer, Request, Reply> script)
            throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters p) {
                SSLParameters sp = ctx.getDefaultSSLParameters();
                sp.setNeedClientAuth(needClientAuth);
                p.setSSLParameters(sp);
            }
        });
        return new TestReceiver(s, script);
    }

    void script(BiFunction<Integer, Request, Reply> s) {
        this.script = s;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> h = ex.getRequestHeaders().entrySet().stream().collect(Collectors.toMap(
                    e -> e.getKey().toLowerCase(Locale.ROOT), e -> String.join(",", e.getValue()), (a, b) -> a));
            int n = count.incrementAndGet();
            Request rq = new Request(n, h, body, System.nanoTime());
            Reply reply = script.apply(n, rq);
            if (reply.delayMs() > 0) {
                try {
                    Thread.sleep(reply.delayMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            requests.add(rq);
            reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            ex.sendResponseHeaders(reply.status(), -1);
        }
    }

    String url() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/alerts";
    }

    String urlForHost(String host) {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return scheme + "://" + host + ":" + server.getAddress().getPort() + "/alerts";
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    int attempts() {
        return count.get();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Polls {@code cond} every 10 ms for at most {@code ms}; true if it held. */
    static boolean await(long ms, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < end) {
            if (cond.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return cond.getAsBoolean();
    }
}
