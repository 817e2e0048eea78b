package dev.forkwatch.live;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * The ring-buffer record layout of bpf/forkwatch.h, and the decoder from it to {@link Event}s. The constants
 * below are the one Java copy of the C header; {@link #CONSTANTS} and {@link #STRUCTS} list them so that
 * RecordLayoutSyncTest can compare them with what the C compiler makes of the header.
 */
public final class RecordLayout {
    public static final int COMM_LEN = 16;
    public static final int FILENAME_LEN = 256;

    public static final int REC_VFORK = 1;
    public static final int REC_VFORK_RETURN = 2;
    public static final int REC_EXEC = 3;
    public static final int REC_EXIT = 4;

    public static final int VIA_VFORK = 0;
    public static final int VIA_CLONE = 1;
    public static final int VIA_CLONE3 = 2;

    public static final int FOLLOW_MAX = 16384;
    public static final int EXEC_MAX = 16;

    public static final int SET_RETURN_AT_SYSCALL_EXIT = 0;
    public static final int SET_MAX = 1;

    public static final int CNT_SENT = 0;
    public static final int CNT_LOST = 1;
    public static final int CNT_OVERFLOW = 2;
    public static final int CNT_MAX = 3;

    // struct fw_hdr
    static final int HDR_TYPE = 0;
    static final int HDR_SIZE = 4;
    static final int HDR_TS = 8;
    static final int HDR_LEN = 16;
    // struct fw_vfork
    static final int VFORK_PID = 16;
    static final int VFORK_PPID = 20;
    static final int VFORK_UID = 24;
    static final int VFORK_VIA = 28;
    static final int VFORK_COMM = 32;
    static final int VFORK_LEN = 48;
    // struct fw_vfork_return
    static final int RET_PID = 16;
    static final int RET_CHILD_PID = 20;
    static final int RET_BLOCKED_NS = 24;
    static final int RET_LEN = 32;
    // struct fw_exec
    static final int EXEC_PID = 16;
    static final int EXEC_INDEX = 20;
    static final int EXEC_FILENAME_LEN = 24;
    static final int EXEC_COMM = 28;
    static final int EXEC_FILENAME = 44;
    static final int EXEC_LEN = 304;
    // struct fw_exit
    static final int EXIT_PID = 16;
    static final int EXIT_CODE = 20;
    static final int EXIT_LEN = 24;

    /** A C struct as the decoder sees it: field name to byte offset, and sizeof. */
    public record Struct(String name, Map<String, Integer> offsets, int size) {
    }

    /** Every #define of forkwatch.h, by name. */
    public static final Map<String, Integer> CONSTANTS = constants();

    /** Every struct of forkwatch.h; nested struct members (hdr) are listed by their own struct. */
    public static final List<Struct> STRUCTS = List.of(
            struct("fw_hdr", HDR_LEN, "type", HDR_TYPE, "size", HDR_SIZE, "ts", HDR_TS),
            struct("fw_vfork", VFORK_LEN, "hdr", 0, "pid", VFORK_PID, "ppid", VFORK_PPID, "uid", VFORK_UID,
                    "via", VFORK_VIA, "comm", VFORK_COMM),
            struct("fw_vfork_return", RET_LEN, "hdr", 0, "pid", RET_PID, "child_pid", RET_CHILD_PID,
                    "blocked_ns", RET_BLOCKED_NS),
            struct("fw_exec", EXEC_LEN, "hdr", 0, "pid", EXEC_PID, "exec_index", EXEC_INDEX, "filename_len", EXEC_FILENAME_LEN,
                    "comm", EXEC_COMM, "filename", EXEC_FILENAME),
            struct("fw_exit", EXIT_LEN, "hdr", 0, "pid", EXIT_PID, "exit_code", EXIT_CODE));

    private RecordLayout() {
    }

    /**
     * Decodes one record. {@code toWall} turns the record's CLOCK_BOOTTIME stamp into epoch ns.
     *
     * @throws IllegalArgumentException for an unknown type or a record shorter than its type needs
     */
    public static Event decode(ByteBuffer b, LongUnaryOperator toWall) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        need(b, HDR_LEN, "header");
        int type = b.getInt(HDR_TYPE);
        long ts = toWall.applyAsLong(b.getLong(HDR_TS));
        switch (type) {
            case REC_VFORK -> {
                need(b, VFORK_LEN, "vfork");
                return new Vfork(ts, b.getInt(VFORK_PID), b.getInt(VFORK_PPID), b.getInt(VFORK_UID),
                        cString(b, VFORK_COMM, COMM_LEN), via(b.getInt(VFORK_VIA)));
            }
            case REC_VFORK_RETURN -> {
                need(b, RET_LEN, "vfork_return");
                return new VforkReturn(ts, b.getInt(RET_PID), b.getInt(RET_CHILD_PID), b.getLong(RET_BLOCKED_NS));
            }
            case REC_EXEC -> {
                need(b, EXEC_LEN, "exec");
                int n = Math.min(Math.max(b.getInt(EXEC_FILENAME_LEN), 0), FILENAME_LEN);
                int index = b.getInt(EXEC_INDEX);
                if (index < 1 || index > EXEC_MAX) {
                    throw new IllegalArgumentException("exec record: exec_index " + index + " outside 1.." + EXEC_MAX);
                }
                return new Exec(ts, b.getInt(EXEC_PID), cString(b, EXEC_COMM, COMM_LEN), cString(b, EXEC_FILENAME, n),
                        List.of(), index, Exec.UNKNOWN_UID, false, false, "");
            }
            case REC_EXIT -> {
                need(b, EXIT_LEN, "exit");
                int raw = b.getInt(EXIT_CODE);
                // task->exit_code is a wait status: (code << 8) for exit(code), the signal number in the low 7 bits.
                int sig = raw & 0x7f;
                return sig == 0 ? new Exit(ts, b.getInt(EXIT_PID), (raw >> 8) & 0xff, 0)
                        : new Exit(ts, b.getInt(EXIT_PID), Exit.UNKNOWN, sig);
            }
            default -> throw new IllegalArgumentException("unknown record type " + type);
        }
    }

    static String via(int v) {
        return switch (v) {
            case VIA_CLONE -> "clone";
            case VIA_CLONE3 -> "clone3";
            default -> "vfork";
        };
    }

    private static void need(ByteBuffer b, int len, String what) {
        if (b.limit() < len) {
            throw new IllegalArgumentException(what + " record too short: " + b.limit() + " bytes, need " + len);
        }
    }

    /** A NUL-terminated string in a fixed-size field (kernel strings are bytes; UTF-8 is the best guess). */
    private static String cString(ByteBuffer b, int off, int max) {
        int end = off;
        int lim = Math.min(off + max, b.limit());
        while (end < lim && b.get(end) != 0) {
            end++;
        }
        byte[] s = new byte[end - off];
        b.get(off, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static Struct struct(String name, int size, Object... fields) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < fields.length; i += 2) {
            m.put((String) fields[i], (Integer) fields[i + 1]);
        }
        return new Struct(name, Map.copyOf(m), size);
    }

    private static Map<String, Integer> constants() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("FW_COMM_LEN", COMM_LEN);
        m.put("FW_FILENAME_LEN", FILENAME_LEN);
        m.put("FW_REC_VFORK", REC_VFORK);
        m.put("FW_REC_VFORK_RETURN", REC_VFORK_RETURN);
        m.put("FW_REC_EXEC", REC_EXEC);
        m.put("FW_REC_EXIT", REC_EXIT);
        m.put("FW_VIA_VFORK", VIA_VFORK);
        m.put("FW_VIA_CLONE", VIA_CLONE);
        m.put("FW_VIA_CLONE3", VIA_CLONE3);
        m.put("FW_FOLLOW_MAX", FOLLOW_MAX);
        m.put("FW_EXEC_MAX", EXEC_MAX);
        m.put("FW_SET_RETURN_AT_SYSCALL_EXIT", SET_RETURN_AT_SYSCALL_EXIT);
        m.put("FW_SET_MAX", SET_MAX);
        m.put("FW_CNT_SENT", CNT_SENT);
        m.put("FW_CNT_LOST", CNT_LOST);
        m.put("FW_CNT_OVERFLOW", CNT_OVERFLOW);
        m.put("FW_CNT_MAX", CNT_MAX);
        return Map.copyOf(m);
    }
}
