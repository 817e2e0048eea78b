package dev.forkwatch.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertJsonTest {
    @Test
    void falcoKeysAndNanosecondTime() throws Exception {
        Alert a = new Alert("6f1c1f5e-1111-4a4a-9a9a-000000000001", 1_764_300_005_000_000_123L, "Vfork child stalled",
                Priority.WARNING, "msg", Map.of("proc.pid", 101, "vfork.via", "clone3"), List.of("vfork", "T1499"), "h1");
        String json = AlertJson.toJson(a);
        assertThat(json).isEqualTo("{\"uuid\":\"6f1c1f5e-1111-4a4a-9a9a-000000000001\",\"time\":\"2025-11-28T03:20:05.000000123Z\","
                + "\"rule\":\"Vfork child stalled\",\"priority\":\"Warning\",\"output\":\"msg\","
                + "\"output_fields\":{\"proc.pid\":101,\"vfork.via\":\"clone3\"},\"source\":\"forkwatch\","
                + "\"tags\":[\"vfork\",\"T1499\"],\"hostname\":\"h1\"}");
        assertThat(AlertJson.fromJson(json)).isEqualTo(a);
    }

    @Test
    void priorities() {
        assertThat(Priority.parse("info")).isEqualTo(Priority.INFORMATIONAL);
        assertThat(Priority.parse("CRITICAL").label()).isEqualTo("Critical");
        assertThat(Priority.EMERGENCY.compareTo(Priority.DEBUG)).isNegative();
    }
}
