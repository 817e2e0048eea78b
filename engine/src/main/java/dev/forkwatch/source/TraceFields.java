package dev.forkwatch.source;

import static dev.forkwatch.source.TraceLimits.MAX_ANCESTORS;
import static dev.forkwatch.source.TraceLimits.MAX_ARGS_CHARS;
import static dev.forkwatch.source.TraceLimits.MAX_ARGS_ITEMS;
import static dev.forkwatch.source.TraceLimits.MAX_COMM_CHARS;
import static dev.forkwatch.source.TraceLimits.MAX_NAME_CHARS;
import static dev.forkwatch.source.TraceLimits.MAX_PATH_CHARS;
import static dev.forkwatch.source.TraceLimits.MAX_SHOWN;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Text;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The fields of one trace line, checked as they are read: types, string sizes and list lengths
 * ({@link TraceLimits}), then every integer's range when the event is built. Absent keys are null and take the
 * defaults of docs/events.md. Reused line after line ({@link #clear}).
 */
final class TraceFields {
    private static final Set<String> VIAS = Set.of("vfork", "clone", "clone3");

    String type;
    Long ts;
    private Long pid;
    private Long ppid;
    private Long uid;
    private Long childPid;
    private Long blockedNs;
    private Long exitCode;
    private Long signal;
    private String comm;
    private String via;
    private String filename;
    // context (docs/events.md): absent keys take the documented defaults
    private String parentExe;
    private String containerId;
    private String userName;
    private String exePath;
    private List<String> parentArgs;
    private List<String> ancestors;
    private List<String> args;
    private Long loginUid;
    private Long execIndex;
    private Long euid;
    private Boolean exeFromMemfd;
    private Boolean exeDeleted;
    private Boolean argsTruncated;

    void clear() {
        type = comm = via = filename = parentExe = containerId = userName = exePath = null;
        ts = pid = ppid = uid = childPid = blockedNs = exitCode = signal = loginUid = execIndex = euid = null;
        parentArgs = ancestors = args = null;
        exeFromMemfd = exeDeleted = argsTruncated = null;
    }

    void set(String key, JsonToken v, JsonParser p, String where) throws IOException {
        switch (key) {
            case "type" -> type = str(key, v, p, where, MAX_COMM_CHARS);
            case "ts" -> ts = num(key, v, p, where);
            case "pid" -> pid = num(key, v, p, where);
            case "ppid" -> ppid = num(key, v, p, where);
            case "uid" -> uid = num(key, v, p, where);
            case "child_pid" -> childPid = num(key, v, p, where);
            case "blocked_ns" -> blockedNs = num(key, v, p, where);
            case "exit_code" -> exitCode = num(key, v, p, where);
            case "signal" -> signal = num(key, v, p, where);
            case "comm" -> comm = str(key, v, p, where, MAX_COMM_CHARS);
            case "via" -> via = str(key, v, p, where, MAX_COMM_CHARS);
            case "filename" -> filename = str(key, v, p, where, MAX_PATH_CHARS);
            case "parent_exe" -> parentExe = str(key, v, p, where, MAX_PATH_CHARS);
            case "container_id" -> containerId = str(key, v, p, where, MAX_NAME_CHARS);
            case "user_name" -> userName = str(key, v, p, where, MAX_NAME_CHARS);
            case "exe_path" -> exePath = str(key, v, p, where, MAX_PATH_CHARS);
            case "parent_args" -> parentArgs = strs(key, v, p, where, MAX_ARGS_ITEMS, MAX_ARGS_CHARS, MAX_ARGS_CHARS);
            case "ancestors" -> ancestors = strs(key, v, p, where, MAX_ANCESTORS, MAX_COMM_CHARS, MAX_ANCESTORS * MAX_COMM_CHARS);
            case "args" -> args = strs(key, v, p, where, MAX_ARGS_ITEMS, MAX_ARGS_CHARS, MAX_ARGS_CHARS);
            case "login_uid" -> loginUid = num(key, v, p, where);
            case "exec_index" -> execIndex = num(key, v, p, where);
            case "euid" -> euid = num(key, v, p, where);
            case "exe_from_memfd" -> exeFromMemfd = bool(key, v, p, where);
            case "exe_deleted" -> exeDeleted = bool(key, v, p, where);
            case "args_truncated" -> argsTruncated = bool(key, v, p, where);
            default -> p.skipChildren(); // unknown keys are ignored, by design
        }
    }

    private static String str(String key, JsonToken v, JsonParser p, String where, int max) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.VALUE_STRING) {
            p.skipChildren();
            throw new TraceFormatException(where + "field '" + key + "' must be a string");
        }
        String s = p.getText();
        if (s.length() > max) {
            throw new TraceFormatException(where + "field '" + key + "' is longer than " + max + " characters ("
                    + s.length() + ")");
        }
        return s;
    }

    private static List<String> strs(String key, JsonToken v, JsonParser p, String where, int maxItems, int maxItem,
                                     int maxTotal) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.START_ARRAY) {
            p.skipChildren();
            throw new TraceFormatException(where + "field '" + key + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        long total = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_STRING) {
                throw new TraceFormatException(where + "field '" + key + "' must be an array of strings");
            }
            String s = p.getText();
            total += s.length();
            if (out.size() == maxItems || s.length() > maxItem || total > maxTotal) {
                throw new TraceFormatException(where + "field '" + key + "' is too long: at most " + maxItems
                        + " items of " + maxTotal + " characters in all");
            }
            out.add(s);
        }
        return out;
    }

    private static Boolean bool(String key, JsonToken v, JsonParser p, String where) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
            p.skipChildren();
            throw new TraceFormatException(where + "field '" + key + "' must be true or false");
        }
        return v == JsonToken.VALUE_TRUE;
    }

    private static Long num(String key, JsonToken v, JsonParser p, String where) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.VALUE_NUMBER_INT) {
            p.skipChildren();
            throw new TraceFormatException(where + "field '" + key + "' must be an integer");
        }
        if (p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG) {
            throw new TraceFormatException(where + "field '" + key + "' is out of range: " + Text.shown(p.getText(), MAX_SHOWN));
        }
        return p.getLongValue();
    }

    /** A required integer in {@code [min, max]}. */
    private long req(String key, Long v, long min, long max, String where) {
        if (v == null) {
            throw new TraceFormatException(where + "missing required field '" + key + "' for " + type + " event");
        }
        return range(key, v, min, max, where);
    }

    private static long range(String key, long v, long min, long max, String where) {
        if (v < min || v > max) {
            throw new TraceFormatException(where + "field '" + key + "' out of range: " + v + " (expected " + min
                    + " to " + max + ")");
        }
        return v;
    }

    long ts(String where) {
        return req("ts", ts, 0, TraceLimits.MAX_TS, where);
    }

    private int pidField(String key, Long v, String where) {
        if (v != null && v <= 0) {
            throw new TraceFormatException(where + "field '" + key + "' must be a positive pid, got " + v);
        }
        return (int) req(key, v, 1, Integer.MAX_VALUE, where);
    }

    /** A uid field: absent or -1 is {@code -1} (unset/unknown), otherwise 0..2^32-1 (stored as Java int). */
    private static int uidOrUnset(String key, Long v, String where) {
        if (v == null || v == -1) {
            return -1;
        }
        return (int) range(key, v, 0, 0xFFFF_FFFFL, where);
    }

    private String reqStr(String key, String v, String where) {
        if (v == null) {
            throw new TraceFormatException(where + "missing required field '" + key + "' for " + type + " event");
        }
        return v;
    }

    Event event(long ts, String where) {
        return switch (type) {
            case Vfork.TYPE -> {
                if (via != null && !VIAS.contains(via)) {
                    throw new TraceFormatException(where + "field 'via' must be vfork, clone or clone3, got '"
                            + Text.shown(via, MAX_SHOWN) + "'");
                }
                yield new Vfork(ts, pidField("pid", pid, where), pidField("ppid", ppid, where),
                        (int) req("uid", uid, 0, 0xFFFF_FFFFL, where), reqStr("comm", comm, where), via, parentExe,
                        parentArgs, uidOrUnset("login_uid", loginUid, where), ancestors, containerId, userName);
            }
            case VforkReturn.TYPE -> new VforkReturn(ts, pidField("pid", pid, where), pidField("child_pid", childPid, where),
                    blockedNs == null || blockedNs == VforkReturn.UNKNOWN ? VforkReturn.UNKNOWN
                            : range("blocked_ns", blockedNs, 0, TraceLimits.MAX_TS, where));
            case Exec.TYPE -> new Exec(ts, pidField("pid", pid, where), reqStr("comm", comm, where),
                    reqStr("filename", filename, where), args,
                    execIndex == null ? 1 : (int) range("exec_index", execIndex, 1, Integer.MAX_VALUE, where),
                    uidOrUnset("euid", euid, where), Boolean.TRUE.equals(exeFromMemfd), Boolean.TRUE.equals(exeDeleted),
                    exePath, Boolean.TRUE.equals(argsTruncated));
            case Exit.TYPE -> new Exit(ts, pidField("pid", pid, where),
                    exitCode == null ? Exit.UNKNOWN : (int) range("exit_code", exitCode, 0, 255, where),
                    signal == null ? 0 : (int) range("signal", signal, 0, TraceLimits.MAX_SIGNAL, where));
            default -> throw new IllegalStateException(type);
        };
    }
}
