package dev.forkwatch.rules;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.event.Event;
import dev.forkwatch.event.Exec;
import dev.forkwatch.event.Exit;
import dev.forkwatch.event.Vfork;
import dev.forkwatch.event.VforkReturn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a pack over a built-in trace of ordinary but awkward input before it goes live: every event type, zero and
 * negative numbers, unknown values, empty and long strings, non-ASCII, pid reuse, a stall, a storm. A rule that
 * throws on it would throw in production on the first such event; it is reported at its {@code file:line} and the
 * pack is refused (isolation at run time is for what only real data triggers). An alert message that still shows
 * a {@code %field} after expansion names a field its alerts never carry, and is reported too.
 */
public final class SmokeCheck {
    /** A fixed time (2025-11-28T03:20:00Z): the same trace, the same result. */
    static final long T0 = 1_764_300_000_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final String LONG = "x".repeat(4096);
    private static final Pattern UNFILLED = Pattern.compile("%[a-z_]+(?:\\.[a-z_]+)+(?:\\[[0-9]+])?");

    private SmokeCheck() {
    }

    /**
     * How long the smoke run may take: far above what a pack needs (well under a second when the machine is idle),
     * short enough that a rule stuck in a loop is reported instead of hanging {@code check} or the start of {@code run}.
     */
    static final Duration LIMIT = Duration.ofSeconds(30);

    /** The problems found; empty when the pack ran the smoke trace cleanly. */
    public static List<RuleError> run(RulePack pack, long allowanceNs, long retentionNs) {
        return run(pack, allowanceNs, retentionNs, LIMIT);
    }

    static List<RuleError> run(RulePack pack, long allowanceNs, long retentionNs, Duration limit) {
        List<Alert> alerts = new ArrayList<>();
        RuleEngine engine = new RuleEngine(pack,
                new RuleEngine.Settings(allowanceNs, retentionNs, RuleEngine.UNBOUNDED, "smoke"), alerts::add);
        // A thread of its own, so that a consequence that never returns can be reported (the pack is then refused).
        BoundedRun<Void> run = new BoundedRun<>("forkwatch-smoke-run", "the smoke run", () -> {
            for (Event e : trace()) {
                engine.event(e);
            }
            // Past every window the default pack knows, and past the longest @expires of its helper facts.
            engine.clock(T0 + 15 * 60_000 * MS);
            engine.finish();
            return null;
        });
        try {
            run.await(limit.toMillis());
        } catch (TimeoutException stuck) {
            return List.of(stuck(pack, engine.firingRule(), "did not finish forkwatch's smoke trace within "
                    + limit.toSeconds() + "s"));
        } catch (RuntimeException | Error failed) {
            engine.close(); // the run is over (it threw): its session can go, as after a clean run
            throw failed;
        }
        engine.close();
        Map<String, RuleError> errors = new LinkedHashMap<>();
        for (Alert a : alerts) {
            if (a.rule().equals(RuleFailures.RULE)) {
                for (String rule : RuleFailures.rules(a)) {
                    errors.putIfAbsent(rule, error(pack, rule, "throws on ordinary input (forkwatch's smoke trace: "
                            + "empty, long and non-ASCII strings, unknown values, pid reuse): " + a.outputFields().get("rule.error")));
                }
                continue;
            }
            Matcher m = UNFILLED.matcher(a.output());
            if (m.find()) {
                errors.putIfAbsent(a.rule() + m.group(), error(pack, a.rule(), "the message refers to " + m.group()
                        + ", a field its alerts do not carry (fields: " + String.join(", ", a.outputFields().keySet()) + ")"));
            }
        }
        return List.copyOf(errors.values());
    }

    /** A run that did not end: {@code rule} is the one whose consequence was running, or null (a condition). */
    static RuleError stuck(RulePack pack, String rule, String what) {
        return rule == null
                ? new RuleError("(rule pack)", 1, 1, "the pack " + what + ": a condition never returns")
                : error(pack, rule, what + ": its consequence never returns (a loop?)");
    }

    /** An error at the rule's declaration. */
    static RuleError error(RulePack pack, String rule, String message) {
        String[] fileLine = pack.location(rule).split(":(?=\\d+$)");
        return new RuleError(fileLine[0], fileLine.length > 1 ? Integer.parseInt(fileLine[1]) : 1, 1,
                "rule \"" + rule + "\" " + message);
    }

    /** The smoke trace, in time order. */
    static List<Event> trace() {
        List<Event> t = new ArrayList<>();
        // A well-behaved child with every field empty or unknown: uid 0, unset login uid, unknown euid.
        t.add(new Vfork(at(0), 2, 1, 0, "", "vfork", "", List.of(), -1, List.of(), "", ""));
        t.add(new Exec(at(1), 2, "", "", List.of(), 1, Exec.UNKNOWN_UID, false, false, ""));
        t.add(new Exit(at(2), 2, 0, 0));
        t.add(new VforkReturn(at(2), 1, 2, 0));
        // Long and non-ASCII strings, uid 2^32-1 (as the kernel's -1), a memfd exec under /tmp, then a second exec.
        t.add(new Vfork(at(10), 3, 1, -1, "ü\\xff" + "x".repeat(13), "clone3", "/" + LONG, List.of("", LONG, "\\n"), 0,
                List.of("", "systemd", LONG, "init"), "host", "root"));
        t.add(new Exec(at(11), 3, LONG, "/tmp/" + LONG, List.of(LONG, ""), 1, 0, true, true, "/memfd:x (deleted)"));
        t.add(new Exec(at(12), 3, "sh", "/bin/sh", List.of("sh", "-c", ""), 2, 0, false, false, "/bin/sh"));
        t.add(new Exit(at(13), 3, Exit.UNKNOWN, 9));
        t.add(new VforkReturn(at(13), 1, 3, VforkReturn.UNKNOWN));
        // A child that fails to exec, killed by a signal, and its pid reused at once by a child that stalls.
        t.add(new Vfork(at(20), 4, 1, 65534, "cron", "clone", "/usr/sbin/cron", List.of("cron", "-f"), 1000,
                List.of("systemd"), "0123456789ab", "nobody"));
        t.add(new Exit(at(21), 4, 127, 0));
        t.add(new Exit(at(22), 4, -1, 11));
        t.add(new VforkReturn(at(22), 1, 4, Long.MAX_VALUE));
        t.add(new Vfork(at(30), 4, 1, 1000, "cron", "vfork"));
        // Events about processes forkwatch never saw created.
        t.add(new Exec(at(31), 99, "ls", "/usr/bin/ls"));
        t.add(new Exit(at(31), 98, 255, 0));
        t.add(new VforkReturn(at(31), 97, 96, 2_000_000_000L));
        // A storm: 300 children of one parent within 300 ms, each exec'ing and exiting.
        for (int i = 0; i < 300; i++) {
            int pid = 1000 + i;
            t.add(new Vfork(at(100 + i), pid, 500, 1000, "make", "vfork"));
            t.add(new Exec(at(100 + i), pid, "cc", "/usr/bin/cc"));
            t.add(new Exit(at(100 + i), pid, 0, 0));
        }
        // After a long quiet stretch: the same pids again.
        t.add(new Vfork(at(1_000_000), 2, 1, 0, "", "vfork"));
        t.add(new Exec(at(1_000_001), 2, "true", "/bin/true"));
        return t;
    }

    private static long at(long ms) {
        return T0 + ms * MS;
    }
}
