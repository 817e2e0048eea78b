package dev.forkwatch.sink.webhook;

import static dev.forkwatch.sink.webhook.TestAlerts.alert;
import static dev.forkwatch.sink.webhook.TestAlerts.config;
import static dev.forkwatch.sink.webhook.TestReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forkwatch.alert.Alert;
import dev.forkwatch.sink.SinkReport;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool on a real, small, full file system (a 64 KiB tmpfs mounted for the test; the suite runs as root).
 * The "Why" reproduction: on a full disk the old spool kept part of a refused record, appended the next alert to
 * it (two JSON fragments under one id), could never save its cursor again and resent everything on each start.
 */
class FullDiskTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path mnt;
    private final TestAlerts.Capture err = new TestAlerts.Capture();

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    @BeforeEach
    void mount() throws Exception {
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        run("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "forkwatch-test", mnt.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        run("umount", mnt.toString());
    }

    private WebhookSink sink(String url, Path spool) {
        return new WebhookSink(WebhookSettings.from(TestAlerts.with(config(url, spool), "drain_timeout", "300ms"),
                Map.of(), err.stream), err.stream);
    }

    /** Fills what is left of the file system; returns the filler file. */
    private Path fill() throws IOException {
        Path f = mnt.resolve("filler");
        try (OutputStream o = Files.newOutputStream(f)) {
            byte[] b = new byte[1024];
            for (int i = 0; i < 1024; i++) {
                o.write(b);
            }
        } catch (IOException e) {
            return f; // No space left on device: full
        }
        throw new IllegalStateException("a 64 KiB file system took 1 MiB");
    }

    private static List<String> uuidsOnDisk(Path spool) throws Exception {
        List<String> out = new ArrayList<>();
        List<Path> segs;
        try (Stream<Path> s = Files.list(spool)) {
            segs = s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
        for (Path seg : segs) {
            String text = Files.readString(seg);
            assertThat(text.isEmpty() || text.endsWith("\n")).as(seg + " ends in a whole record").isTrue();
            for (String line : text.split("\n")) {
                if (!line.isEmpty()) {
                    // every line: "<ms> <one whole JSON object>"
                    assertThat(line).matches("\\d+ \\{.*\\}");
                    out.add(JSON.readTree(line.substring(line.indexOf(' ') + 1)).path("uuid").asText());
                }
            }
        }
        return out;
    }

    @Test
    void aFullDiskRefusesWholeAlertsCountsThemAndNeverStopsDeliveryOrTheCursor() throws Exception {
        Path spool = mnt.resolve("spool");
        String dead = "http://127.0.0.1:" + WebhookSinkTest.deadPort() + "/";

        // 1. Receiver down: alerts pile up until the disk is full; later ones are refused whole.
        List<String> accepted = new ArrayList<>();
        WebhookSink s = sink(dead, spool);
        for (int i = 0; i < 2000 && s.stats().refused() < 25; i++) {
            Alert a = alert(i);
            long before = s.stats().refused();
            s.accept(a);
            if (s.stats().refused() == before) {
                accepted.add(a.uuid());
            }
        }
        s.close();
        SinkReport r = s.report();
        assertThat(r.lost()).as("refused alerts are lost and reported").isEqualTo(25);
        assertThat(r.pending()).isEqualTo(accepted.size());
        assertThat(accepted.size()).as("the disk held some").isGreaterThan(10);
        assertThat(err.text()).contains("cannot write to the spool").contains("No space left on device")
                .contains("25 alert(s) were refused");
        assertThat(uuidsOnDisk(spool)).as("only whole, accepted records on disk, in order").containsExactlyElementsOf(accepted);

        // 2. The disk stays full (filler), the receiver is back: everything is delivered, the cursor moves.
        Path filler = fill();
        try (TestReceiver rx = TestReceiver.ok()) {
            WebhookSink next = sink(rx.url(), spool);
            assertThat(await(20_000, () -> rx.requests().size() >= accepted.size())).isTrue();
            next.close();
            List<String> got = new ArrayList<>();
            for (TestReceiver.Request q : rx.requests()) {
                got.add(JSON.readTree(q.body()).path("uuid").asText());
            }
            assertThat(got).containsExactlyElementsOf(accepted);
            assertThat(next.report().pending()).isZero();
            assertThat(next.report().lost()).isZero();
            assertThat(uuidsOnDisk(spool)).as("delivered segments deleted").isEmpty();

            // 3. A restart on the still-full disk resends nothing: the cursor was saved in place.
            WebhookSink third = sink(rx.url(), spool);
            third.close();
            assertThat(third.report().pending()).isZero();
            assertThat(rx.requests()).hasSize(accepted.size());

            // 4. Space freed: new alerts are accepted and delivered again.
            Files.delete(filler);
            WebhookSink fourth = sink(rx.url(), spool);
            for (int i = 0; i < 5; i++) {
                fourth.accept(alert(5000 + i));
            }
            assertThat(await(20_000, () -> rx.requests().size() >= accepted.size() + 5)).isTrue();
            fourth.close();
            assertThat(fourth.report().lost()).isZero();
            assertThat(fourth.report().pending()).isZero();
        }
    }
}
