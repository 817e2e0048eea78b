package dev.forkwatch.live;

import static dev.forkwatch.live.RecordLayout.*;

import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Text;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.LongUnaryOperator;

/**
 * Decodes the kernel's records ({@link RecordLayout}, bpf/forkwatch.h) into events. Every length in a record
 * is checked against the ring's own length of the record and against its cap: a record that does not add up
 * is rejected, never read past. Kernel bytes become fields through {@link Text#fromBytes}.
 */
final class RecordDecoder {
    /** The most arguments kept of one argument vector; more set args_truncated. */
    static final int ARGS_COUNT_MAX = 256;

    private final LongUnaryOperator toWall;
    private final Function<List<String>, String> containerId;
    private final IntFunction<String> userName;

    /**
     * @param toWall      a record's CLOCK_BOOTTIME stamp to epoch ns
     * @param containerId the container id for a vfork child's cgroup paths (v2 first)
     * @param userName    the name of a uid; "" when unknown
     */
    RecordDecoder(LongUnaryOperator toWall, Function<List<String>, String> containerId, IntFunction<String> userName) {
        this.toWall = toWall;
        this.containerId = containerId;
        this.userName = userName;
    }

    /** A decoder without container ids or user names (tests, benchmarks). */
    RecordDecoder(LongUnaryOperator toWall) {
        this(toWall, cgroups -> "", uid -> "");
    }

    /**
     * Decodes one record (the buffer's limit is the ring's length of it).
     *
     * @throws IllegalArgumentException for an unknown type or a record whose lengths do not add up
     */
    Event decode(ByteBuffer b) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        need(b, HDR_LEN, "header");
        int type = b.getInt(HDR_TYPE);
        int size = b.getInt(HDR_SIZE);
        if (size != b.limit()) {
            throw new IllegalArgumentException("record of type " + type + ": header size " + size + ", ring length " + b.limit());
        }
        long ts = toWall.applyAsLong(b.getLong(HDR_TS));
        return switch (type) {
            case REC_VFORK -> vfork(b, ts);
            case REC_VFORK_RETURN -> {
                need(b, RET_LEN, "vfork_return");
                yield new VforkReturn(ts, b.getInt(RET_PID), b.getInt(RET_CHILD_PID), b.getLong(RET_BLOCKED_NS));
            }
            case REC_EXEC -> exec(b, ts);
            case REC_EXIT -> {
                need(b, EXIT_LEN, "exit");
                int raw = b.getInt(EXIT_CODE);
                // task->exit_code is a wait status: (code << 8) for exit(code), the signal number in the low 7 bits.
                int sig = raw & 0x7f;
                yield sig == 0 ? new Exit(ts, b.getInt(EXIT_PID), (raw >> 8) & 0xff, 0)
                        : new Exit(ts, b.getInt(EXIT_PID), Exit.UNKNOWN, sig);
            }
            default -> throw new IllegalArgumentException("unknown record type " + type);
        };
    }

    private Vfork vfork(ByteBuffer b, long ts) {
        need(b, VFORK_LEN, "vfork");
        Parts p = new Parts(b, VFORK_LEN, "vfork");
        String exe = path(p.next(VFORK_EXE_LEN, PATH_LEN));
        byte[] argv = p.next(VFORK_ARGS_LEN, ARGS_LEN);
        List<String> ancestors = strings(p.next(VFORK_ANCESTORS_LEN, ANCESTORS * COMM_LEN), ANCESTORS);
        List<String> cgroups = strings(p.next(VFORK_CGROUPS_LEN, CGROUP_PATHS * CGROUP_LEN), CGROUP_PATHS).stream()
                .map(RecordDecoder::pathFromReversed).toList();
        p.end();
        int uid = b.getInt(VFORK_UID);
        List<String> args = args(argv, (b.getInt(VFORK_FLAGS) & F_ARGS_TRUNCATED) != 0).args();
        return new Vfork(ts, b.getInt(VFORK_PID), b.getInt(VFORK_PPID), uid, cString(b, VFORK_COMM, COMM_LEN),
                via(b.getInt(VFORK_VIA)), exe, args, b.getInt(VFORK_LOGIN_UID), ancestors,
                cgroups.isEmpty() ? "" : containerId.apply(cgroups), userName.apply(uid));
    }

    private Exec exec(ByteBuffer b, long ts) {
        need(b, EXEC_LEN, "exec");
        int index = b.getInt(EXEC_INDEX);
        if (index < 1 || index > EXEC_MAX) {
            throw new IllegalArgumentException("exec record: exec_index " + index + " outside 1.." + EXEC_MAX);
        }
        Parts p = new Parts(b, EXEC_LEN, "exec");
        byte[] filename = p.next(EXEC_FILENAME_LEN, FILENAME_LEN);
        String exe = path(p.next(EXEC_EXE_LEN, PATH_LEN));
        byte[] argv = p.next(EXEC_ARGS_LEN, ARGS_LEN);
        p.end();
        int flags = b.getInt(EXEC_FLAGS);
        Args a = args(argv, (flags & F_ARGS_TRUNCATED) != 0);
        return new Exec(ts, b.getInt(EXEC_PID), cString(b, EXEC_COMM, COMM_LEN), string(filename), a.args(), index,
                b.getInt(EXEC_EUID), (flags & F_EXE_FROM_MEMFD) != 0, (flags & F_EXE_DELETED) != 0, exe, a.truncated());
    }

    /** The variable parts after a record's fixed struct, in the order of their length fields. */
    private static final class Parts {
        private final ByteBuffer b;
        private final String what;
        private int off;

        Parts(ByteBuffer b, int fixed, String what) {
            this.b = b;
            this.off = fixed;
            this.what = what;
        }

        byte[] next(int lenField, int cap) {
            int len = b.getInt(lenField);
            if (len < 0 || len > cap || len > b.limit() - off) {
                throw new IllegalArgumentException(what + " record: a part of " + len + " bytes at " + off
                        + " (cap " + cap + ") in a record of " + b.limit());
            }
            byte[] out = new byte[len];
            b.get(off, out);
            off += len;
            return out;
        }

        void end() {
            if (off != b.limit()) {
                throw new IllegalArgumentException(what + " record: parts end at " + off + ", record at " + b.limit());
            }
        }
    }

    record Args(List<String> args, boolean truncated) {
    }

    /** NUL-separated arguments; the kernel cut them when truncated (the last one may lack its NUL). */
    static Args args(byte[] v, boolean truncated) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] == 0) {
                if (out.size() == ARGS_COUNT_MAX) {
                    return new Args(out, true);
                }
                out.add(Text.fromBytes(v, start, i - start));
                start = i + 1;
            }
        }
        if (start < v.length) {
            if (out.size() == ARGS_COUNT_MAX) {
                return new Args(out, true);
            }
            out.add(Text.fromBytes(v, start, v.length - start)); // cut by the byte cap
        }
        return new Args(out, truncated);
    }

    /** Up to {@code max} NUL-terminated strings. */
    static List<String> strings(byte[] v, int max) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < v.length && out.size() < max; i++) {
            if (v[i] == 0) {
                out.add(Text.fromBytes(v, start, i - start));
                start = i + 1;
            }
        }
        return out;
    }

    /** A string part: up to its NUL. */
    static String string(byte[] v) {
        int n = 0;
        while (n < v.length && v[n] != 0) {
            n++;
        }
        return Text.fromBytes(v, 0, n);
    }

    /** A path part (components leaf first, each followed by '/'); "" when the kernel could not read it. */
    static String path(byte[] v) {
        return v.length == 0 ? "" : pathFromReversed(string(v));
    }

    /** "dash/bin/usr/" is "/usr/bin/dash"; "" is "/". Works on the escaped field: '/' is never escaped. */
    static String pathFromReversed(String reversed) {
        String[] parts = reversed.split("/");
        StringBuilder sb = new StringBuilder(reversed.length() + 1);
        for (int i = parts.length - 1; i >= 0; i--) {
            if (!parts[i].isEmpty()) {
                sb.append('/').append(parts[i]);
            }
        }
        return sb.length() == 0 ? "/" : sb.toString();
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

    /** A NUL-terminated string in a fixed-size field. */
    private static String cString(ByteBuffer b, int off, int max) {
        int end = off;
        int lim = Math.min(off + max, b.limit());
        while (end < lim && b.get(end) != 0) {
            end++;
        }
        byte[] s = new byte[end - off];
        b.get(off, s);
        return Text.fromBytes(s);
    }
}
