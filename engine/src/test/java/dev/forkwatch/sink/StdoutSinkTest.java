package dev.forkwatch.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertJson;
import dev.forkwatch.alert.Priority;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** stdout: output that cannot be forged, and write errors that are never silent. */
class StdoutSinkTest {
    /** The "Why" reproduction: a file name holding a newline and a whole fake alert line, plus ESC and C1. */
    static final String FORGED = "/tmp/x\n2025-11-28T03:20:00.000500000Z Emergency Root shell: forged\r\u001b[2J\u009b31m\u007f";

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private static Alert alert(String output, Map<String, Object> fields) {
        return new Alert("0b7c8f4e-1111-4222-8333-944445555666", 1_700_000_000_000_000_000L, "Vfork child exec\nfrom x",
                Priority.WARNING, output, fields, List.of("T1059"), "h\u0085");
    }

    @Test
    void textEscapesEveryFieldSoOneAlertIsOneLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StdoutSink s = new StdoutSink(new PrintStream(out, true, StandardCharsets.UTF_8), AlertFormat.TEXT,
                StdoutSink.OnError.CONTINUE, err);
        s.accept(alert("exec'd " + FORGED, Map.of()));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n");
        assertThat(text.lines()).hasSize(1);
        assertThat(text.chars().filter(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)).count())
                .as("the only control character is the final newline").isEqualTo(1);
        assertThat(text).isEqualTo("2023-11-14T22:13:20.000000000Z Warning Vfork child exec\\x0afrom x: exec'd /tmp/x\\x0a"
                + "2025-11-28T03:20:00.000500000Z Emergency Root shell: forged\\x0d\\x1b[2J\\u009b31m\\x7f\n");
    }

    @Test
    void jsonEscapesC0DelAndC1AndReadsBackTheSameAlert() throws Exception {
        Alert a = alert(FORGED + "\u2028\u202e", Map.of("proc.exepath", FORGED));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new StdoutSink(new PrintStream(out, true, StandardCharsets.UTF_8), AlertFormat.JSON, StdoutSink.OnError.CONTINUE, err)
                .accept(a);
        String line = out.toString(StandardCharsets.UTF_8);
        assertThat(line.substring(0, line.length() - 1).chars().filter(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)
                || c == 0x2028 || c == 0x202e)).isEmpty();
        assertThat(line).contains("\\u001B[2J\\u009B31m\\u007F").contains("\\u0085").contains("\\u2028\\u202E");
        assertThat(AlertJson.fromJson(line)).isEqualTo(a);
        assertThat(new ObjectMapper().readTree(line).path("output_fields").path("proc.exepath").asText()).isEqualTo(FORGED);
    }

    /** An OutputStream that fails like /dev/full or a closed pipe, for the first {@code failures} writes. */
    private static final class Broken extends OutputStream {
        final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            throw new IOException("No space left on device");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("No space left on device");
        }
    }

    @Test
    void aFailedWriteIsLoggedCountedAndReportedAsLostWhileOtherSinksStillGetTheAlert() {
        List<Alert> other = new ArrayList<>();
        StdoutSink stdout = new StdoutSink(new PrintStream(new Broken(), true, StandardCharsets.UTF_8), AlertFormat.TEXT,
                StdoutSink.OnError.CONTINUE, err);
        Sink both = new CompositeSink(List.<Sink>of(stdout, other::add));
        for (int i = 0; i < 3; i++) {
            both.accept(alert("a" + i, Map.of()));
        }
        both.checkStop(); // continue: never stops the run
        both.close();
        assertThat(other).hasSize(3);
        SinkReport r = both.report();
        assertThat(r.lost()).isEqualTo(3);
        assertThat(r.pending()).isZero();
        assertThat(r.lines()).containsExactly("stdout: 3 alert(s) could not be written: lost");
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("forkwatch: stdout: cannot write alert")
                .contains("1 alert(s) lost on stdout so far");
    }

    @Test
    void onErrorStopAsksTheRunToStopAfterTheFirstFailure() {
        List<Alert> other = new ArrayList<>();
        StdoutSink stdout = new StdoutSink(new PrintStream(new Broken(), true, StandardCharsets.UTF_8), AlertFormat.JSON,
                StdoutSink.OnError.STOP, err);
        Sink both = new CompositeSink(List.<Sink>of(stdout, other::add));
        both.checkStop();
        both.accept(alert("a", Map.of()));
        assertThat(other).hasSize(1);
        assertThatThrownBy(both::checkStop).isInstanceOfSatisfying(SinkException.class,
                e -> assertThat(e.kind()).isEqualTo(SinkException.Kind.ALERTS_LOST)).hasMessageContaining("on_error is stop");
        assertThat(both.report().lost()).isEqualTo(1);
    }

    @Test
    void aHealthyStreamLosesNothing() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StdoutSink s = new StdoutSink(new PrintStream(out, true, StandardCharsets.UTF_8), AlertFormat.TEXT,
                StdoutSink.OnError.STOP, err);
        s.accept(alert("fine", Map.of()));
        s.checkStop();
        assertThat(s.report()).isEqualTo(SinkReport.NONE);
        assertThat(errBytes.size()).isZero();
    }
}
