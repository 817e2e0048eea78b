package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java decoder table ({@link RecordLayout}) must match bpf/forkwatch.h. The header is parsed for its
 * #defines and struct members, and the C compiler itself reports every offset and size, so a change on
 * either side without the other fails here, not silently at run time.
 */
class RecordLayoutSyncTest {
    static final Path HEADER = Triggers.root().resolve("bpf/forkwatch.h");
    static final Pattern DEFINE = Pattern.compile("^#define\\s+(FW_\\w+)\\s+(\\d+)\\s*$", Pattern.MULTILINE);
    static final Pattern STRUCT = Pattern.compile("struct\\s+(fw_\\w+)\\s*\\{(.*?)\\};", Pattern.DOTALL);
    static final Pattern MEMBER = Pattern.compile("^\\s*(?:struct\\s+\\w+|__u32|__s32|__u64|char)\\s+(\\w+)\\s*(\\[\\w+\\])?\\s*;",
            Pattern.MULTILINE);

    @Test
    void definesMatch() throws IOException {
        Map<String, Integer> c = new TreeMap<>();
        Matcher m = DEFINE.matcher(Files.readString(HEADER));
        while (m.find()) {
            c.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertThat(c).isNotEmpty().isEqualTo(new TreeMap<>(RecordLayout.CONSTANTS));
    }

    @Test
    void structMembersOffsetsAndSizesMatchTheCompiler(@TempDir Path tmp) throws Exception {
        Map<String, Map<String, Integer>> members = parseStructs(Files.readString(HEADER));
        Map<String, Map<String, Integer>> java = new TreeMap<>();
        RecordLayout.STRUCTS.forEach(s -> java.put(s.name(), new TreeMap<>(s.offsets())));
        // Same structs and member names (offsets still unknown on the C side: compare the key sets first).
        assertThat(members.keySet()).isEqualTo(java.keySet());
        members.forEach((s, f) -> assertThat(f.keySet()).as(s).isEqualTo(java.get(s).keySet()));

        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <linux/types.h>\n#include \"")
                .append(HEADER.toAbsolutePath()).append("\"\nint main(void) {\n");
        members.forEach((s, f) -> {
            c.append("  printf(\"").append(s).append(" sizeof %zu\\n\", sizeof(struct ").append(s).append("));\n");
            f.keySet().forEach(name -> c.append("  printf(\"").append(s).append(' ').append(name)
                    .append(" %zu\\n\", offsetof(struct ").append(s).append(", ").append(name).append("));\n"));
        });
        c.append("  return 0;\n}\n");
        Path src = tmp.resolve("layout.c");
        Files.writeString(src, c);
        Triggers.exec(60, "gcc", "-o", tmp.resolve("layout").toString(), src.toString());
        String out = Triggers.exec(10, tmp.resolve("layout").toString()).stdout();

        Map<String, Integer> fromC = new TreeMap<>();
        for (String line : out.split("\n")) {
            String[] p = line.split(" ");
            fromC.put(p[0] + "." + p[1], Integer.parseInt(p[2]));
        }
        Map<String, Integer> fromJava = new TreeMap<>();
        RecordLayout.STRUCTS.forEach(s -> {
            fromJava.put(s.name() + ".sizeof", s.size());
            s.offsets().forEach((f, off) -> fromJava.put(s.name() + "." + f, off));
        });
        assertThat(fromC).hasSize(fromJava.size()).isEqualTo(fromJava);
    }

    static Map<String, Map<String, Integer>> parseStructs(String header) {
        Map<String, Map<String, Integer>> out = new TreeMap<>();
        Matcher s = STRUCT.matcher(header);
        while (s.find()) {
            Map<String, Integer> f = new LinkedHashMap<>();
            Matcher m = MEMBER.matcher(s.group(2));
            while (m.find()) {
                f.put(m.group(1), -1);
            }
            out.put(s.group(1), f);
        }
        return out;
    }

    @Test
    void decodesRecordsAndRejectsUnknownOrShortOnes() {
        ByteBuffer v = ByteBuffer.allocate(RecordLayout.VFORK_LEN).order(ByteOrder.LITTLE_ENDIAN);
        v.putInt(RecordLayout.HDR_TYPE, RecordLayout.REC_VFORK).putInt(RecordLayout.HDR_SIZE, RecordLayout.VFORK_LEN)
                .putLong(RecordLayout.HDR_TS, 1_000).putInt(RecordLayout.VFORK_PID, 42).putInt(RecordLayout.VFORK_PPID, 7)
                .putInt(RecordLayout.VFORK_UID, 1000).putInt(RecordLayout.VFORK_VIA, RecordLayout.VIA_CLONE3);
        v.put(RecordLayout.VFORK_COMM, "bash\0junk".getBytes(StandardCharsets.UTF_8));
        assertThat(RecordLayout.decode(v, t -> t + 5)).isEqualTo(new Vfork(1_005, 42, 7, 1000, "bash", "clone3"));

        ByteBuffer x = ByteBuffer.allocate(RecordLayout.EXEC_LEN).order(ByteOrder.LITTLE_ENDIAN);
        x.putInt(RecordLayout.HDR_TYPE, RecordLayout.REC_EXEC).putInt(RecordLayout.EXEC_PID, 42).putInt(RecordLayout.EXEC_INDEX, 1)
                .putInt(RecordLayout.EXEC_FILENAME_LEN, 10);
        x.put(RecordLayout.EXEC_COMM, "true".getBytes(StandardCharsets.UTF_8));
        x.put(RecordLayout.EXEC_FILENAME, "/bin/true\0".getBytes(StandardCharsets.UTF_8));
        assertThat(RecordLayout.decode(x, t -> t)).isEqualTo(new Exec(0, 42, "true", "/bin/true"));

        ByteBuffer e = ByteBuffer.allocate(RecordLayout.EXIT_LEN).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(RecordLayout.HDR_TYPE, RecordLayout.REC_EXIT).putInt(RecordLayout.EXIT_PID, 9).putInt(RecordLayout.EXIT_CODE, 127 << 8);
        assertThat(RecordLayout.decode(e, t -> t)).isEqualTo(new Exit(0, 9, 127, 0));
        e.putInt(RecordLayout.EXIT_CODE, 9 | 0x80); // SIGKILL, core bit
        assertThat(RecordLayout.decode(e, t -> t)).isEqualTo(new Exit(0, 9, Exit.UNKNOWN, 9));

        e.putInt(RecordLayout.HDR_TYPE, 99);
        assertThatThrownBy(() -> RecordLayout.decode(e, t -> t)).hasMessageContaining("unknown record type 99");
        ByteBuffer shortExec = ByteBuffer.allocate(RecordLayout.HDR_LEN).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(RecordLayout.HDR_TYPE, RecordLayout.REC_EXEC);
        assertThatThrownBy(() -> RecordLayout.decode(shortExec, t -> t)).hasMessageContaining("exec record too short");
    }
}
