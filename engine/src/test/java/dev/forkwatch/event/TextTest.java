package dev.forkwatch.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TextTest {

    @Test
    void validUtf8IsKeptAndBackslashDoubled() {
        byte[] b = "/usr/bin/café \\n".getBytes(StandardCharsets.UTF_8);
        assertThat(Text.fromBytes(b)).isEqualTo("/usr/bin/café \\\\n");
    }

    @Test
    void invalidBytesBecomeHexEscapes() {
        byte[] b = {'a', (byte) 0xff, 'b', (byte) 0xc3, 'c', (byte) 0xe2, (byte) 0x82};
        assertThat(Text.fromBytes(b)).isEqualTo("a\\xffb\\xc3c\\xe2\\x82");
    }

    @Test
    void roundTripIsByteExact() {
        byte[] b = {'/', (byte) 0xfe, '\\', 'x', '4', '1', (byte) 0xc3, (byte) 0xa9, 0x0a, (byte) 0x80, '\\'};
        String field = Text.fromBytes(b);
        assertThat(Text.toBytes(field)).isEqualTo(b);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "plain text|plain text",
        "a\\x0ab|a\\x0ab",
    })
    void printableLeavesSafeTextAlone(String in, String out) {
        assertThat(Text.printable(in)).isEqualTo(out);
    }

    @Test
    void printableEscapesControlCharacters() {
        assertThat(Text.printable("x\nEmergency\r\u001b[2J\u007f\u0085\u009b"))
                .isEqualTo("x\\x0aEmergency\\x0d\\x1b[2J\\x7f\\u0085\\u009b");
        assertThat(Text.printable("ok \uD83D\uDE00")).isEqualTo("ok \uD83D\uDE00");
        assertThat(Text.printable("lone \uD800 x")).isEqualTo("lone \\ud800 x");
    }

    @Test
    void printableEscapesLineSeparatorsAndBidirectionalControls() {
        // "Trojan Source": a right-to-left override makes /tmp/\u202Eexe.sh read as /tmp/hs.exe on a terminal.
        assertThat(Text.printable("/tmp/\u202Eexe.sh \u2066a\u2069 \u200E\u200F\u061C \u202A\u202B\u202C\u202D x\u2028y\u2029"))
                .isEqualTo("/tmp/\\u202eexe.sh \\u2066a\\u2069 \\u200e\\u200f\\u061c \\u202a\\u202b\\u202c\\u202d x\\u2028y\\u2029");
        assertThat(Text.printable("caf\u00e9 \u65e5\u672c \u2030 \u2065")).isEqualTo("caf\u00e9 \u65e5\u672c \u2030 \u2065");
    }

    @Test
    void shownQuotesABoundedEscapedPrefix() {
        assertThat(Text.shown("abc", 5)).isEqualTo("abc");
        assertThat(Text.shown("a\nbcdef", 3)).isEqualTo("a\\x0ab...");
        assertThat(Text.shown("x".repeat(50_000_000), 80)).hasSize(83);
        assertThat(Text.shown("ab\uD83D\uDE00", 3)).isEqualTo("ab...");
    }
}
