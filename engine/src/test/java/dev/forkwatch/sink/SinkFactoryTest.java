package dev.forkwatch.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertJson;
import dev.forkwatch.alert.Priority;
import dev.forkwatch.config.Config;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinkFactoryTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream outPs = new PrintStream(out, true, StandardCharsets.UTF_8);
    private final PrintStream errPs = new PrintStream(err, true, StandardCharsets.UTF_8);

    private static Alert alert() {
        return new Alert("0b7c8f4e-1111-4222-8333-944445555666", 1_700_000_000_000_000_000L, "Vfork storm",
                Priority.CRITICAL, "too many vfork children", Map.of("proc.pid", 7), List.of("T1499"), "h");
    }

    @Test
    void withoutAWebhookOnlyStdoutInTheConfiguredFormat() {
        Sink s = SinkFactory.create(Config.defaults().with("output.format", "json", "test"), outPs, errPs, Map.of());
        s.accept(alert());
        s.close();
        assertThat(out.toString(StandardCharsets.UTF_8).trim()).isEqualTo(AlertJson.toJson(alert()));
        assertThat(s.report()).isEqualTo(SinkReport.NONE);
    }

    @Test
    void withAWebhookEachAlertGoesToStdoutAndTheReceiver() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        try {
            Config c = Config.defaults()
                    .with("outputs.webhook.url", "http://127.0.0.1:" + server.getAddress().getPort() + "/", "test")
                    .with("outputs.webhook.spool_dir", tmp.toString(), "test");
            Sink s = SinkFactory.create(c, outPs, errPs, Map.of());
            s.accept(alert());
            s.close(); // drains: waits for the delivery
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("Critical Vfork storm: too many vfork children");
            assertThat(bodies).containsExactly(AlertJson.toJson(alert()));
            SinkReport r = s.report();
            assertThat(r.lines()).containsExactly("webhook: delivered 1, retried 0, dead-lettered 0, refused 0, left in spool 0");
            assertThat(r.pending()).isZero();
            assertThat(r.lost()).isZero();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void badWebhookConfigIsBadInputNamingTheKey() {
        Config c = Config.defaults().with("outputs.webhook.url", "mailto:x@y", "test")
                .with("outputs.webhook.spool_dir", tmp.toString(), "test");
        assertThatThrownBy(() -> SinkFactory.create(c, outPs, errPs, Map.of()))
                .isInstanceOfSatisfying(SinkException.class, e -> assertThat(e.kind()).isEqualTo(SinkException.Kind.BAD_SETTING))
                .hasMessageContaining("outputs.webhook.url");
    }
}
