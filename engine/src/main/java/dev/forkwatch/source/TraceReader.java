package dev.forkwatch.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a trace in the JSON Lines format of docs/events.md: one event per line, snake_case keys, unknown keys
 * ignored, blank lines skipped. A {@code {"type":"clock","ts":N}} line says time reached N with no event.
 * A bad line stops the read with a {@link TraceFormatException} naming {@code file:line}; the lines before it
 * have already been delivered.
 */
public final class TraceReader implements EventSource {
    public static final String CLOCK = "clock";
    private static final JsonFactory JSON = new JsonFactory();
    /** Expectation records of a rule test case (forkwatch test-rules): a case is also a trace, replay skips them. */
    public static final String EXPECT = "expect";
    public static final String EXPECT_NONE = "expect_none";
    private static final Set<String> TYPES = Set.of(Vfork.TYPE, VforkReturn.TYPE, Exec.TYPE, Exit.TYPE, CLOCK, EXPECT, EXPECT_NONE);

    private final Path file;
    private final String name;
    private volatile boolean stopped;

    public TraceReader(Path file) {
        this.file = file;
        this.name = file.toString();
    }

    @Override
    public void run(EventReceiver receiver) throws IOException {
        InputStream in;
        try {
            in = name.equals("-") ? System.in : Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new TraceFormatException(name + ": trace file not found");
        } catch (IOException e) {
            throw new TraceFormatException(name + ": cannot read trace: " + e.getMessage());
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            read(r, name, receiver);
        }
    }

    @Override
    public void stop() {
        stopped = true;
    }

    /** Reads every line of {@code r}; {@code name} is used in error messages. */
    public void read(BufferedReader r, String name, EventReceiver receiver) throws IOException {
        Fields f = new Fields();
        String line;
        int lineNo = 0;
        while (!stopped && (line = r.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            f.clear();
            String where = name + ":" + lineNo + ": ";
            try (JsonParser p = JSON.createParser(line)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new TraceFormatException(where + "expected a JSON object, one event per line");
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken v = p.nextToken();
                    f.set(key, v, p, where);
                }
                if (p.nextToken() != null) {
                    throw new TraceFormatException(where + "text after the JSON object");
                }
            } catch (JsonParseException e) {
                throw new TraceFormatException(where + "malformed JSON: " + e.getOriginalMessage());
            }
            if (f.type == null) {
                throw new TraceFormatException(where + "missing required field 'type'");
            }
            if (!TYPES.contains(f.type)) {
                throw new TraceFormatException(where + "unknown event type '" + f.type + "' (expected one of vfork, vfork_return, exec, exit, clock, expect, expect_none)");
            }
            if (f.type.equals(EXPECT) || f.type.equals(EXPECT_NONE)) {
                continue;
            }
            long ts = f.req("ts", f.ts, where);
            if (f.type.equals(CLOCK)) {
                receiver.clock(ts);
                continue;
            }
            receiver.event(f.event(ts, where));
        }
    }

    /** The fields of one line; null/absent is tracked with boxed values. */
    private static final class Fields {
        String type;
        Long ts;
        Long pid;
        Long ppid;
        Long uid;
        Long childPid;
        Long blockedNs;
        Long exitCode;
        Long signal;
        String comm;
        String via;
        String filename;
        // context (docs/events.md): absent keys take the documented defaults
        String parentExe;
        String containerId;
        String userName;
        String exePath;
        List<String> parentArgs;
        List<String> ancestors;
        List<String> args;
        Long loginUid;
        Long execIndex;
        Long euid;
        Boolean exeFromMemfd;
        Boolean exeDeleted;
        Boolean argsTruncated;

        void clear() {
            type = comm = via = filename = parentExe = containerId = userName = exePath = null;
            ts = pid = ppid = uid = childPid = blockedNs = exitCode = signal = loginUid = execIndex = euid = null;
            parentArgs = ancestors = args = null;
            exeFromMemfd = exeDeleted = argsTruncated = null;
        }

        void set(String key, JsonToken v, JsonParser p, String where) throws IOException {
            switch (key) {
                case "type" -> type = str(key, v, p, where);
                case "ts" -> ts = num(key, v, p, where);
                case "pid" -> pid = num(key, v, p, where);
                case "ppid" -> ppid = num(key, v, p, where);
                case "uid" -> uid = num(key, v, p, where);
                case "child_pid" -> childPid = num(key, v, p, where);
                case "blocked_ns" -> blockedNs = num(key, v, p, where);
                case "exit_code" -> exitCode = num(key, v, p, where);
                case "signal" -> signal = num(key, v, p, where);
                case "comm" -> comm = str(key, v, p, where);
                case "via" -> via = str(key, v, p, where);
                case "filename" -> filename = str(key, v, p, where);
                case "parent_exe" -> parentExe = str(key, v, p, where);
                case "container_id" -> containerId = str(key, v, p, where);
                case "user_name" -> userName = str(key, v, p, where);
                case "exe_path" -> exePath = str(key, v, p, where);
                case "parent_args" -> parentArgs = strs(key, v, p, where);
                case "ancestors" -> ancestors = strs(key, v, p, where);
                case "args" -> args = strs(key, v, p, where);
                case "login_uid" -> loginUid = num(key, v, p, where);
                case "exec_index" -> execIndex = num(key, v, p, where);
                case "euid" -> euid = num(key, v, p, where);
                case "exe_from_memfd" -> exeFromMemfd = bool(key, v, p, where);
                case "exe_deleted" -> exeDeleted = bool(key, v, p, where);
                case "args_truncated" -> argsTruncated = bool(key, v, p, where);
                default -> p.skipChildren(); // unknown keys are ignored, by design
            }
        }

        private static String str(String key, JsonToken v, JsonParser p, String where) throws IOException {
            if (v == JsonToken.VALUE_NULL) {
                return null;
            }
            if (v != JsonToken.VALUE_STRING) {
                p.skipChildren();
                throw new TraceFormatException(where + "field '" + key + "' must be a string");
            }
            return p.getText();
        }

        private static List<String> strs(String key, JsonToken v, JsonParser p, String where) throws IOException {
            if (v == JsonToken.VALUE_NULL) {
                return null;
            }
            if (v != JsonToken.START_ARRAY) {
                p.skipChildren();
                throw new TraceFormatException(where + "field '" + key + "' must be an array of strings");
            }
            List<String> out = new ArrayList<>();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t != JsonToken.VALUE_STRING) {
                    throw new TraceFormatException(where + "field '" + key + "' must be an array of strings");
                }
                out.add(p.getText());
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
            try {
                return p.getLongValue();
            } catch (IOException e) {
                throw new TraceFormatException(where + "field '" + key + "' is out of range");
            }
        }

        long req(String key, Long v, String where) {
            if (v == null) {
                throw new TraceFormatException(where + "missing required field '" + key + "' for " + type + " event");
            }
            return v;
        }

        int pidField(String key, Long v, String where) {
            long x = req(key, v, where);
            if (x <= 0 || x > Integer.MAX_VALUE) {
                throw new TraceFormatException(where + "field '" + key + "' must be a positive pid, got " + x);
            }
            return (int) x;
        }

        /** A uid field: absent or -1 is {@code -1} (unset/unknown), otherwise 0..2^32-1 (stored as Java int). */
        static int uidOrUnset(String key, Long v, String where) {
            if (v == null || v == -1) {
                return -1;
            }
            if (v < 0 || v > 0xFFFF_FFFFL) {
                throw new TraceFormatException(where + "field '" + key + "' out of range: " + v);
            }
            return (int) (long) v;
        }

        String reqStr(String key, String v, String where) {
            if (v == null) {
                throw new TraceFormatException(where + "missing required field '" + key + "' for " + type + " event");
            }
            return v;
        }

        Event event(long ts, String where) {
            return switch (type) {
                case Vfork.TYPE -> {
                    if (via != null && !Set.of("vfork", "clone", "clone3").contains(via)) {
                        throw new TraceFormatException(where + "field 'via' must be vfork, clone or clone3, got '" + via + "'");
                    }
                    long u = req("uid", uid, where);
                    if (u < 0 || u > 0xFFFF_FFFFL) {
                        throw new TraceFormatException(where + "field 'uid' out of range: " + u);
                    }
                    yield new Vfork(ts, pidField("pid", pid, where), pidField("ppid", ppid, where), (int) u,
                            reqStr("comm", comm, where), via, parentExe, parentArgs, uidOrUnset("login_uid", loginUid, where),
                            ancestors, containerId, userName);
                }
                case VforkReturn.TYPE -> new VforkReturn(ts, pidField("pid", pid, where), pidField("child_pid", childPid, where),
                        blockedNs == null ? VforkReturn.UNKNOWN : blockedNs);
                case Exec.TYPE -> {
                    if (execIndex != null && (execIndex < 1 || execIndex > Integer.MAX_VALUE)) {
                        throw new TraceFormatException(where + "field 'exec_index' must be 1 or more, got " + execIndex);
                    }
                    yield new Exec(ts, pidField("pid", pid, where), reqStr("comm", comm, where), reqStr("filename", filename, where),
                            args, execIndex == null ? 1 : execIndex.intValue(), uidOrUnset("euid", euid, where),
                            Boolean.TRUE.equals(exeFromMemfd), Boolean.TRUE.equals(exeDeleted), exePath,
                            Boolean.TRUE.equals(argsTruncated));
                }
                case Exit.TYPE -> new Exit(ts, pidField("pid", pid, where), exitCode == null ? Exit.UNKNOWN : exitCode.intValue(),
                        signal == null ? 0 : signal.intValue());
                default -> throw new IllegalStateException(type);
            };
        }
    }
}
