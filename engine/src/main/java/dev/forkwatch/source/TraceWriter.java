package dev.forkwatch.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.EventReceiver;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;

/**
 * Writes events as a trace in the replay format ({@code --record}). Clock records are written when time has
 * moved on by at least {@code clockEveryNs} since the last line, and once at close, so a replay of the
 * recording fires the same time-based alerts as the live run did.
 */
public final class TraceWriter implements EventReceiver, Closeable, java.io.Flushable {
    // The generator writes into the shared buffered writer without closing or flushing it per event.
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(com.fasterxml.jackson.core.StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(com.fasterxml.jackson.core.StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
            .build();
    private final Writer out;
    private final long clockEveryNs;
    private long lastWrittenNs = Long.MIN_VALUE;
    private long lastClockNs = Long.MIN_VALUE;

    /** Writes to a new 0600 file at {@code file} ({@link RecordFile}: never through a symlink). */
    public TraceWriter(Path file, long clockEveryNs) throws IOException {
        this(RecordFile.create(file), clockEveryNs);
    }

    public TraceWriter(Writer out, long clockEveryNs) {
        this.out = out instanceof BufferedWriter ? out : new BufferedWriter(out);
        this.clockEveryNs = clockEveryNs;
    }

    @Override
    public synchronized void event(Event e) {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", e.type());
            g.writeNumberField("ts", e.ts());
            if (e instanceof Vfork v) {
                g.writeNumberField("pid", v.pid());
                g.writeNumberField("ppid", v.ppid());
                g.writeNumberField("uid", Integer.toUnsignedLong(v.uid()));
                g.writeStringField("comm", v.comm());
                g.writeStringField("via", v.via());
                g.writeStringField("parent_exe", v.parentExe());
                strings(g, "parent_args", v.parentArgs());
                g.writeNumberField("login_uid", uid(v.loginUid()));
                strings(g, "ancestors", v.ancestors());
                g.writeStringField("container_id", v.containerId());
                g.writeStringField("user_name", v.userName());
            } else if (e instanceof VforkReturn r) {
                g.writeNumberField("pid", r.pid());
                g.writeNumberField("child_pid", r.childPid());
                if (r.blockedNs() != VforkReturn.UNKNOWN) {
                    g.writeNumberField("blocked_ns", r.blockedNs());
                }
            } else if (e instanceof Exec x) {
                g.writeNumberField("pid", x.pid());
                g.writeStringField("comm", x.comm());
                g.writeStringField("filename", x.filename());
                strings(g, "args", x.args());
                g.writeNumberField("exec_index", x.execIndex());
                g.writeNumberField("euid", uid(x.euid()));
                g.writeBooleanField("exe_from_memfd", x.exeFromMemfd());
                g.writeBooleanField("exe_deleted", x.exeDeleted());
                g.writeStringField("exe_path", x.exePath());
                g.writeBooleanField("args_truncated", x.argsTruncated());
            } else if (e instanceof Exit x) {
                g.writeNumberField("pid", x.pid());
                if (x.exitCode() != Exit.UNKNOWN) {
                    g.writeNumberField("exit_code", x.exitCode());
                }
                if (x.signal() != 0) {
                    g.writeNumberField("signal", x.signal());
                }
            }
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write trace", ex);
        }
        newline();
        lastWrittenNs = Math.max(lastWrittenNs, e.ts());
    }

    private static void strings(JsonGenerator g, String key, java.util.List<String> values) throws IOException {
        g.writeArrayFieldStart(key);
        for (String s : values) {
            g.writeString(s);
        }
        g.writeEndArray();
    }

    /** -1 stays -1 (unset/unknown); any other uid is written unsigned, as the kernel has it. */
    private static long uid(int uid) {
        return uid == -1 ? -1 : Integer.toUnsignedLong(uid);
    }

    @Override
    public synchronized void clock(long nowNs) {
        if (nowNs > lastWrittenNs && (lastClockNs == Long.MIN_VALUE || nowNs - lastClockNs >= clockEveryNs)) {
            writeClock(nowNs);
        }
    }

    private void writeClock(long nowNs) {
        try {
            out.write("{\"type\":\"clock\",\"ts\":" + nowNs + "}");
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write trace", ex);
        }
        newline();
        lastWrittenNs = nowNs;
        lastClockNs = nowNs;
    }

    private void newline() {
        try {
            out.write('\n');
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write trace", ex);
        }
    }

    /** Hands what is buffered to the OS: a crash or SIGKILL after this loses nothing written before it. */
    public synchronized void flush() throws IOException {
        out.flush();
    }

    /** Writes a final clock record at {@code nowNs} and closes. */
    public synchronized void close(long nowNs) throws IOException {
        if (nowNs > lastWrittenNs) {
            writeClock(nowNs);
        }
        close();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
