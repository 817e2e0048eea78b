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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** A record: the fixed struct (filled by {@code fixed}), then the parts; hdr.size and the *_len fields set. */
    static ByteBuffer record(int type, int fixedLen, int[] lenFields, byte[][] parts, java.util.function.Consumer<ByteBuffer> fixed) {
        int size = fixedLen;
        for (byte[] p : parts) {
            size += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(RecordLayout.HDR_TYPE, type).putInt(RecordLayout.HDR_SIZE, size).putLong(RecordLayout.HDR_TS, 1_000);
        fixed.accept(b);
        int off = fixedLen;
        for (int i = 0; i < parts.length; i++) {
            b.putInt(lenFields[i], parts[i].length);
            b.put(off, parts[i]);
            off += parts[i].length;
        }
        return b;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1); // one byte per char: lets tests write any byte
    }

    static final int[] VFORK_PARTS = {RecordLayout.VFORK_EXE_LEN, RecordLayout.VFORK_ARGS_LEN,
            RecordLayout.VFORK_ANCESTORS_LEN, RecordLayout.VFORK_CGROUPS_LEN};
    static final int[] EXEC_PARTS = {RecordLayout.EXEC_FILENAME_LEN, RecordLayout.EXEC_EXE_LEN, RecordLayout.EXEC_ARGS_LEN};

    @Test
    void decodesVforkWithItsContext() {
        String id = "0123456789abcdef".repeat(4);
        ByteBuffer v = record(RecordLayout.REC_VFORK, RecordLayout.VFORK_LEN, VFORK_PARTS, new byte[][] {
                bytes("java/bin/jdk/jvm/lib/usr/\0"), bytes("java\0-jar\0app.jar\0"), bytes("bash\0sshd\0systemd\0"),
                bytes("docker-" + id + ".scope/system.slice/\0\0")}, b -> b.putInt(RecordLayout.VFORK_PID, 42)
                .putInt(RecordLayout.VFORK_PPID, 7).putInt(RecordLayout.VFORK_UID, 1000).putInt(RecordLayout.VFORK_VIA, RecordLayout.VIA_CLONE3)
                .putInt(RecordLayout.VFORK_LOGIN_UID, -1).put(RecordLayout.VFORK_COMM, bytes("java\0junk")));
        List<List<String>> cgroupsSeen = new ArrayList<>();
        RecordDecoder d = new RecordDecoder(t -> t + 5, c -> {
            cgroupsSeen.add(c);
            return ContainerIds.fromCgroups(c);
        }, uid -> uid == 1000 ? "alice" : "");
        assertThat(d.decode(v)).isEqualTo(new Vfork(1_005, 42, 7, 1000, "java", "clone3", "/usr/lib/jvm/jdk/bin/java",
                List.of("java", "-jar", "app.jar"), -1, List.of("bash", "sshd", "systemd"), "0123456789ab", "alice"));
        assertThat(cgroupsSeen).containsExactly(List.of("/system.slice/docker-" + id + ".scope", "/"));
    }

    @Test
    void decodesExecWithItsContext() {
        RecordDecoder d = new RecordDecoder(t -> t);
        ByteBuffer x = record(RecordLayout.REC_EXEC, RecordLayout.EXEC_LEN, EXEC_PARTS, new byte[][] {
                bytes("/bin/sh\0"), bytes("dash/bin/usr/\0"), bytes("sh\0-c\0caf\u00e9 \\\0")},
                b -> b.putInt(RecordLayout.EXEC_PID, 42).putInt(RecordLayout.EXEC_INDEX, 2).putInt(RecordLayout.EXEC_EUID, 0)
                        .putInt(RecordLayout.EXEC_FLAGS, RecordLayout.F_EXE_DELETED).put(RecordLayout.EXEC_COMM, bytes("sh")));
        // A Latin-1 byte that is not UTF-8 and a backslash: escaped by Text, byte-exact.
        assertThat(d.decode(x)).isEqualTo(new Exec(1_000, 42, "sh", "/bin/sh", List.of("sh", "-c", "caf\\xe9 \\\\"), 2, 0,
                false, true, "/usr/bin/dash", false));

        // Cut by the kernel's byte cap: the last argument has no NUL; a walk cut short shows "...".
        ByteBuffer cut = record(RecordLayout.REC_EXEC, RecordLayout.EXEC_LEN, EXEC_PARTS, new byte[][] {
                bytes("x\0"), bytes("x/.../\0"), bytes("a\0bb")},
                b -> b.putInt(RecordLayout.EXEC_INDEX, 1).putInt(RecordLayout.EXEC_EUID, -1)
                        .putInt(RecordLayout.EXEC_FLAGS, RecordLayout.F_ARGS_TRUNCATED | RecordLayout.F_EXE_FROM_MEMFD));
        Exec e = (Exec) d.decode(cut);
        assertThat(e.args()).containsExactly("a", "bb");
        assertThat(e.argsTruncated()).isTrue();
        assertThat(e.exeFromMemfd()).isTrue();
        assertThat(e.exePath()).isEqualTo("/.../x");
        assertThat(e.euid()).isEqualTo(-1);

        // More arguments than the count cap: the first ARGS_COUNT_MAX are kept, args_truncated set.
        ByteBuffer many = record(RecordLayout.REC_EXEC, RecordLayout.EXEC_LEN, EXEC_PARTS, new byte[][] {
                bytes("x\0"), new byte[0], bytes("a\0".repeat(RecordDecoder.ARGS_COUNT_MAX + 1))},
                b -> b.putInt(RecordLayout.EXEC_INDEX, 1));
        Exec m = (Exec) d.decode(many);
        assertThat(m.args()).hasSize(RecordDecoder.ARGS_COUNT_MAX);
        assertThat(m.argsTruncated()).isTrue();
        assertThat(m.exePath()).isEmpty();
    }

    @Test
    void rejectsRecordsWhoseLengthsDoNotAddUp() {
        RecordDecoder d = new RecordDecoder(t -> t);
        ByteBuffer x = record(RecordLayout.REC_EXEC, RecordLayout.EXEC_LEN, EXEC_PARTS, new byte[][] {
                bytes("x\0"), new byte[0], bytes("a\0")}, b -> b.putInt(RecordLayout.EXEC_INDEX, 1));
        x.putInt(RecordLayout.HDR_SIZE, x.limit() + 8);
        assertThatThrownBy(() -> d.decode(x)).hasMessageContaining("header size");
        x.putInt(RecordLayout.HDR_SIZE, x.limit());
        x.putInt(RecordLayout.EXEC_ARGS_LEN, 100); // past the record's end
        assertThatThrownBy(() -> d.decode(x)).hasMessageContaining("a part of 100 bytes");
        x.putInt(RecordLayout.EXEC_ARGS_LEN, 1); // one byte left over
        assertThatThrownBy(() -> d.decode(x)).hasMessageContaining("parts end at");
        x.putInt(RecordLayout.EXEC_ARGS_LEN, 2).putInt(RecordLayout.EXEC_INDEX, RecordLayout.EXEC_MAX + 1);
        assertThatThrownBy(() -> d.decode(x)).hasMessageContaining("exec_index");
        x.putInt(RecordLayout.EXEC_INDEX, 1).putInt(RecordLayout.EXEC_FILENAME_LEN, -1);
        assertThatThrownBy(() -> d.decode(x)).hasMessageContaining("a part of -1 bytes");
    }

    @Test
    void decodesFixedRecordsAndRejectsUnknownOrShortOnes() {
        RecordDecoder d = new RecordDecoder(t -> t);
        ByteBuffer e = ByteBuffer.allocate(RecordLayout.EXIT_LEN).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(RecordLayout.HDR_TYPE, RecordLayout.REC_EXIT).putInt(RecordLayout.HDR_SIZE, RecordLayout.EXIT_LEN)
                .putInt(RecordLayout.EXIT_PID, 9).putInt(RecordLayout.EXIT_CODE, 127 << 8);
        assertThat(d.decode(e)).isEqualTo(new Exit(0, 9, 127, 0));
        e.putInt(RecordLayout.EXIT_CODE, 9 | 0x80); // SIGKILL, core bit
        assertThat(d.decode(e)).isEqualTo(new Exit(0, 9, Exit.UNKNOWN, 9));

        e.putInt(RecordLayout.HDR_TYPE, 99);
        assertThatThrownBy(() -> d.decode(e)).hasMessageContaining("unknown record type 99");
        ByteBuffer shortExec = ByteBuffer.allocate(RecordLayout.HDR_LEN).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(RecordLayout.HDR_TYPE, RecordLayout.REC_EXEC).putInt(RecordLayout.HDR_SIZE, RecordLayout.HDR_LEN);
        assertThatThrownBy(() -> d.decode(shortExec)).hasMessageContaining("exec record too short");
    }
}
