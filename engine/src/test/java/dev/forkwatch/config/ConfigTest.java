package dev.forkwatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigTest {
    @Test
    void defaultsAreComplete() {
        Config c = Config.defaults();
        assertThat(c.nanos("engine.reorder_allowance")).isEqualTo(100_000_000L);
        assertThat(c.string("output.format")).isEqualTo("text");
        assertThat(c.params()).containsKeys("vfork.stall_threshold", "vfork.storm_threshold", "vfork.suspicious_exec_dirs");
        assertThat(c.params().get("vfork.suspicious_exec_dirs").value()).isEqualTo(List.of("/tmp/", "/dev/shm/", "/var/tmp/", "/run/user/"));
        // every key in the embedded file is in the schema, and every leaf key of the schema is documented there
        for (String k : ConfigSchema.keys()) {
            if (ConfigSchema.kindOf(k) != ConfigSchema.Kind.SECTION && !k.startsWith("outputs.webhook.tls.client")
                    && !k.equals("outputs.webhook.tls.ca_file") && !k.equals("engine.hostname") && !k.equals("live.bpf_object")) {
                assertThat(c.origin(k)).as(k).isNotNull();
            }
        }
    }

    @Test
    void userFileOverlaysDefaults() {
        Config c = Config.defaults().overlay(Config.parse("params:\n  vfork:\n    stall_threshold: 2s\noutput:\n  format: JSON\n", "u.yaml"));
        assertThat(c.params().get("vfork.stall_threshold").value()).isEqualTo("2s");
        assertThat(c.params().get("vfork.stall_threshold").origin()).isEqualTo("u.yaml:3");
        assertThat(c.params().get("vfork.storm_threshold").value()).isEqualTo("100");
        assertThat(c.string("output.format")).isEqualTo("json");
    }

    @Test
    void emptyFileMeansDefaults() {
        assertThat(Config.defaults().overlay(Config.parse("", "e.yaml")).nanos("engine.event_retention")).isEqualTo(30_000_000_000L);
    }

    @Test
    void errorsNameFileLineColumnAndKey() {
        assertThatThrownBy(() -> Config.parse("live:\n  probe: uprobe\n", "f.yaml"))
                .hasMessage("f.yaml:2:3: live.probe: expected auto, tracepoint or kprobe, got 'uprobe'");
        assertThatThrownBy(() -> Config.parse("live:\n  ring_size_bytes: big\n", "f.yaml"))
                .hasMessage("f.yaml:2:3: live.ring_size_bytes: expected a whole number, got 'big'");
        assertThatThrownBy(() -> Config.parse("outputs:\n  webhook:\n    tls:\n      insecure: maybe\n", "f.yaml"))
                .hasMessage("f.yaml:4:7: outputs.webhook.tls.insecure: expected true or false, got 'maybe'");
        assertThatThrownBy(() -> Config.parse("engine: 5\n", "f.yaml")).hasMessage("f.yaml:1:1: engine: expected a mapping");
        assertThatThrownBy(() -> Config.parse("- a\n- b\n", "f.yaml")).hasMessageContaining("f.yaml:1:1: the config must be a mapping");
        assertThatThrownBy(() -> Config.parse("rules:\n  paths: {a: 1}\n", "f.yaml"))
                .hasMessage("f.yaml:2:3: rules.paths: expected a list of strings, got a mapping");
        assertThatThrownBy(() -> Config.parse("outptu:\n  format: json\n", "f.yaml"))
                .hasMessage("f.yaml:1:1: unknown key 'outptu' (did you mean 'output'?)");
    }

    @Test
    void durations() {
        assertThat(Durations.parseNanos("250ns")).isEqualTo(250);
        assertThat(Durations.parseNanos("10us")).isEqualTo(10_000);
        assertThat(Durations.parseNanos("2m")).isEqualTo(120_000_000_000L);
        assertThat(Durations.parseNanos(" 1h ")).isEqualTo(3_600_000_000_000L);
        assertThat(Durations.drools(5_000_000_000L)).isEqualTo("5000ms");
        assertThatThrownBy(() -> Durations.parseNanos("5")).hasMessageContaining("expected a duration");
        assertThatThrownBy(() -> Durations.parseNanos("-5s")).hasMessageContaining("expected a duration");
    }
}
