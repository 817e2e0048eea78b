package dev.forkwatch.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forkwatch.alert.Alert;
import dev.forkwatch.alert.AlertJson;
import dev.forkwatch.config.Config;
import dev.forkwatch.config.FileTrust;
import dev.forkwatch.source.TraceReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiled packs cached between processes: same alerts as a fresh compile, never trusted when others could write them. */
class PackCacheTest {
    @TempDir
    Path tmp;

    private final Config config = Config.defaults();
    private int expiredFacts; // traces whose facts expired once the clock moved on: the comparison sees expiry

    private static Path root() {
        return Path.of(System.getProperty("forkwatch.root", "..")).toAbsolutePath().normalize();
    }

    @Test
    void aHitGivesTheSameAlertsAsAFreshCompileOnEverySampleAndCase() throws Exception {
        PackCache cache = PackCache.in(tmp.resolve("cache"));
        RulePack fresh = RulePack.load(config);
        RulePack miss = RulePack.load(config, cache);
        assertThat(cache.hits()).isZero();
        Path entry = onlyEntry(cache);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(entry))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("cache")))).isEqualTo("rwx------");
        RulePack hit = RulePack.load(config, cache);
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(hit.ruleNames()).isEqualTo(fresh.ruleNames());
        assertThat(hit.location("Vfork storm")).isEqualTo(fresh.location("Vfork storm"));

        List<Path> traces = new ArrayList<>();
        try (Stream<Path> s = Stream.concat(Files.walk(root().resolve("samples/traces")), Files.walk(root().resolve("rules/tests")))) {
            s.filter(p -> p.toString().endsWith(".jsonl")).sorted().forEach(traces::add);
        }
        assertThat(traces).hasSizeGreaterThan(10);
        int alerts = 0;
        for (Path t : traces) {
            List<String> want = alerts(fresh, t);
            assertThat(alerts(hit, t)).as(t.toString()).isEqualTo(want);
            assertThat(alerts(miss, t)).as(t.toString()).isEqualTo(want);
            alerts += want.size();
        }
        assertThat(alerts).as("the traces raise alerts").isGreaterThan(20);
        assertThat(expiredFacts).as("traces whose facts expire").isGreaterThan(5);
    }

    @Test
    void aChangedRuleOrParamMissesAndABrokenRuleIsNeverCached() throws Exception {
        PackCache cache = PackCache.in(tmp.resolve("cache"));
        String drl = Files.readString(root().resolve("rules/vfork.drl"));
        List<RuleSource> sources = List.of(new RuleSource("vfork.drl", drl));
        RulePack.compile(sources, config, cache);
        RulePack.compile(sources, config, cache);
        assertThat(cache.hits()).isEqualTo(1);

        Config changed = config.with("params.vfork.stall_threshold", "7s", "test");
        RulePack.compile(sources, changed, cache);
        assertThat(cache.hits()).as("a changed param misses").isEqualTo(1);
        RulePack.compile(List.of(new RuleSource("vfork.drl", drl.replace("\"Vfork storm\"", "\"Vfork storm 2\""))), config, cache);
        assertThat(cache.hits()).as("a changed rule misses").isEqualTo(1);
        assertThat(entries(cache)).hasSize(3);

        // Errors come from a real compile, with their line, and leave nothing in the cache.
        String broken = drl.replaceFirst("\nthen\n", "\nthen\n    undefinedCall();\n");
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> RulePack.compile(List.of(new RuleSource("vfork.drl", broken)), config, cache))
                    .isInstanceOf(RuleCompileException.class).hasMessageContaining("vfork.drl:").hasMessageContaining("undefinedCall");
        }
        assertThat(entries(cache)).hasSize(3);
        assertThat(cache.hits()).isEqualTo(1);
    }

    @Test
    void loadSkipsTheSmokeRunOnlyForPacksThatPassedItWithTheSameSettings() throws Exception {
        // A condition that throws on the smoke trace's empty comm: it compiles cleanly, the smoke run refuses it.
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Files.writeString(rules.resolve("first.drl"), """
                package t;
                rule "First letter"
                    @priority("Notice") @tags("test") @description("throws on an empty comm")
                when
                    Vfork(comm.substring(0, 1) == "x")
                then
                end
                """);
        Config throwing = config.with("rules.paths", List.of(rules.toString()), "test");
        PackCache cache = PackCache.in(Files.createDirectory(tmp.resolve("cache"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        for (int i = 0; i < 2; i++) {
            // Without a stored entry a later load would skip the smoke run and the pack would go live.
            assertThatThrownBy(() -> RulePack.load(throwing, cache)).isInstanceOf(RuleCompileException.class)
                    .hasMessageContaining("First letter");
            assertThat(entries(cache)).as("a pack the smoke run refused is never stored").isEmpty();
        }
        // compile() alone stores it, under a key load() never asks for: load still runs the smoke run and refuses it.
        RulePack.compile(RulePack.read(List.of(rules)), throwing, cache);
        assertThat(entries(cache)).hasSize(1);
        assertThatThrownBy(() -> RulePack.load(throwing, cache)).isInstanceOf(RuleCompileException.class)
                .hasMessageContaining("First letter");
        assertThat(cache.hits()).isZero();

        RulePack.load(config, cache);
        RulePack.load(config, cache);
        assertThat(cache.hits()).isEqualTo(1);
        // Other smoke settings: the stored pass does not vouch for them.
        RulePack.load(config.withText("engine.reorder_allowance", "2s", "test"), cache);
        assertThat(cache.hits()).isEqualTo(1);
    }

    @Test
    void aCorruptOrTruncatedEntryIsIgnoredAndRebuilt() throws Exception {
        PackCache cache = PackCache.in(tmp.resolve("cache"));
        RulePack.load(config, cache);
        Path entry = onlyEntry(cache);
        byte[] good = Files.readAllBytes(entry);
        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x40;
        for (byte[] bad : List.of(flipped, java.util.Arrays.copyOf(good, good.length - 100), new byte[0], "junk".getBytes())) {
            Files.write(entry, bad);
            RulePack p = RulePack.load(config, cache);
            assertThat(p.ruleNames()).contains("Vfork storm");
            assertThat(cache.hits()).isZero();
            assertThat(Files.readAllBytes(entry)).as("rebuilt").hasSize(good.length);
        }
        RulePack.load(config, cache);
        assertThat(cache.hits()).isEqualTo(1);
    }

    @Test
    void anEntryOrDirOthersCouldHaveWrittenIsNotTrusted() throws Exception {
        Path dir = tmp.resolve("cache");
        PackCache cache = PackCache.in(dir);
        RulePack.load(config, cache);
        Path entry = onlyEntry(cache);
        byte[] good = Files.readAllBytes(entry);

        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertMiss(cache);
        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-------")); // rewritten 0600 anyway

        // A link to a good entry is not followed.
        Path elsewhere = Files.write(tmp.resolve("elsewhere.bin"), good);
        Files.delete(entry);
        Files.createSymbolicLink(entry, elsewhere);
        assertMiss(cache);
        assertThat(Files.isSymbolicLink(entry)).as("replaced by a regular file").isFalse();

        if (FileTrust.effectiveUid() == 0) { // chown needs root; CI runs as root
            Files.setAttribute(entry, "unix:uid", 65534);
            assertMiss(cache);
            assertThat(Files.getAttribute(entry, "unix:uid")).isEqualTo(0);

            Files.setAttribute(dir, "unix:uid", 65534);
            assertUnused(cache, dir);
            Files.setAttribute(dir, "unix:uid", 0);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertUnused(cache, dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));

        // Under a directory others can write, or through a link: not used either.
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        PackCache under = PackCache.in(open.resolve("forkwatch"));
        RulePack.load(config, under);
        RulePack.load(config, under);
        assertThat(under.hits()).isZero();
        assertThat(open.resolve("forkwatch")).satisfies(d -> assertThat(!Files.exists(d) || entries(d).isEmpty()).isTrue());
        Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);
        PackCache linked = PackCache.in(link);
        RulePack.load(config, linked);
        assertThat(linked.hits()).isZero();
    }

    @Test
    void atMostMaxEntriesAreKeptTheOldestGoFirst() throws Exception {
        PackCache cache = PackCache.in(tmp.resolve("cache"));
        for (int i = 0; i < PackCache.MAX_ENTRIES + 4; i++) {
            cache.write(String.format("%064d", i), new byte[] {1, 2, 3});
            Files.setLastModifiedTime(cache.entry(String.format("%064d", i)), java.nio.file.attribute.FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        List<Path> left = entries(cache);
        assertThat(left).hasSize(PackCache.MAX_ENTRIES);
        assertThat(left).doesNotContain(cache.entry(String.format("%064d", 0)), cache.entry(String.format("%064d", 3)))
                .contains(cache.entry(String.format("%064d", 4)), cache.entry(String.format("%064d", PackCache.MAX_ENTRIES + 3)));
    }

    @Test
    void theDirectoryComesFromTheEnvironmentAsInTheLaunchers() {
        assertThat(PackCache.fromEnvironment(Map.of("FORKWATCH_CACHE_DIR", "/x/y", "HOME", "/h")).dir()).isEqualTo(Path.of("/x/y"));
        assertThat(PackCache.fromEnvironment(Map.of("XDG_CACHE_HOME", "/c", "HOME", "/h")).dir()).isEqualTo(Path.of("/c/forkwatch"));
        assertThat(PackCache.fromEnvironment(Map.of("HOME", "/h")).dir()).isEqualTo(Path.of("/h/.cache/forkwatch"));
        assertThat(PackCache.fromEnvironment(Map.of()).enabled()).isFalse();
        assertThat(PackCache.fromEnvironment(Map.of("FORKWATCH_CACHE_DIR", "rel")).enabled()).isFalse();
        assertThat(PackCache.fromEnvironment(Map.of("HOME", "/h", "FORKWATCH_PACK_CACHE", "off")).enabled()).isFalse();
    }

    /** A load that neither hits nor fails, and leaves a good 0600 entry. */
    private void assertMiss(PackCache cache) throws IOException {
        int before = cache.hits();
        assertThat(RulePack.load(config, cache).ruleNames()).contains("Vfork storm");
        assertThat(cache.hits()).isEqualTo(before);
        Path entry = onlyEntry(cache);
        assertThat(Files.isRegularFile(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(entry))).isEqualTo("rw-------");
    }

    /** Neither read nor written: the entry there stays as it was. */
    private void assertUnused(PackCache cache, Path dir) throws IOException {
        Path entry = onlyEntry(cache);
        byte[] before = Files.readAllBytes(entry);
        Files.write(entry, "junk".getBytes());
        int hits = cache.hits();
        assertThat(RulePack.load(config, cache).ruleNames()).contains("Vfork storm");
        assertThat(cache.hits()).isEqualTo(hits);
        assertThat(Files.readString(entry)).as("not rewritten in an untrusted dir").isEqualTo("junk");
        Files.write(entry, before);
    }

    /**
     * The alerts, then the engine's counters (facts in the session among them) at the end and once the clock has
     * moved past every window: declared types' expiry (@expires) must come through the cache too.
     */
    private List<String> alerts(RulePack pack, Path trace) throws IOException {
        List<Alert> out = new ArrayList<>();
        List<String> stats = new ArrayList<>();
        try (RuleEngine engine = RuleEngine.fromConfig(pack, Config.defaults(), out::add)) {
            try {
                new TraceReader(trace).run(engine);
            } finally {
                engine.finish();
            }
            RuleEngine.Stats end = engine.stats();
            stats.add("at the end: " + end);
            if (engine.clockNs() != Long.MIN_VALUE) {
                engine.clock(engine.clockNs() + 600_000_000_000L);
                stats.add("10 min later: " + engine.stats());
                if (engine.stats().inSession() < end.inSession()) {
                    expiredFacts++;
                }
            }
        }
        List<String> all = new ArrayList<>(out.stream().map(AlertJson::toJson).toList());
        all.addAll(stats);
        return all;
    }

    private static Path onlyEntry(PackCache cache) throws IOException {
        List<Path> e = entries(cache);
        assertThat(e).hasSize(1);
        return e.get(0);
    }

    private static List<Path> entries(PackCache cache) throws IOException {
        return entries(cache.dir());
    }

    private static List<Path> entries(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("pack-")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
