package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Cgroup paths as the runtimes name them (cgroup v2 first, then v1) and the container id Falco would show. */
class ContainerIdsTest {
    static final String ID = "3f4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778a";
    static final String SHORT = "3f4a5b6c7d8e";
    static final String ID2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    static Stream<Arguments> table() {
        return Stream.of(
                // runtimes, systemd cgroup driver (v2 and v1)
                Arguments.of(List.of("/system.slice/docker-" + ID + ".scope"), SHORT),
                Arguments.of(List.of("/system.slice/cri-containerd-" + ID + ".scope"), SHORT),
                Arguments.of(List.of("/machine.slice/crio-" + ID + ".scope"), SHORT),
                Arguments.of(List.of("/machine.slice/libpod-" + ID + ".scope"), SHORT),
                Arguments.of(List.of("/machine.slice/libpod-" + ID + ".scope/container"), SHORT),
                Arguments.of(List.of("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope"), SHORT),
                // cgroupfs driver
                Arguments.of(List.of("/docker/" + ID), SHORT),
                Arguments.of(List.of("/crio-" + ID), SHORT),
                Arguments.of(List.of("/kubepods/besteffort/pod5c5a3b2e-1f2d-4c8a-9e0b-7a6d5c4b3a21/" + ID), SHORT),
                Arguments.of(List.of("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5c5a3b2e_1f2d_4c8a_9e0b_7a6d5c4b3a21.slice/cri-containerd-" + ID + ".scope"), SHORT),
                Arguments.of(List.of("/kubepods-besteffort-pod5c5a3b2e_1f2d.slice:cri-containerd:" + ID), SHORT),
                // a bare leaf name, as a kernel that sends names rather than paths would
                Arguments.of(List.of("docker-" + ID + ".scope"), SHORT),
                // systemd inside a container: the process sits in a sub-cgroup of the container's
                Arguments.of(List.of("/system.slice/docker-" + ID + ".scope/system.slice/nginx.service"), SHORT),
                // docker in docker: the innermost container
                Arguments.of(List.of("/docker/" + ID2 + "/docker/" + ID), SHORT),
                // v2 first: a hybrid host whose unified path names no container falls back to v1
                Arguments.of(List.of("/user.slice/user-0.slice/session-3.scope", "/docker/" + ID), SHORT),
                Arguments.of(List.of("/docker/" + ID2, "/docker/" + ID), "0123456789ab"),
                // not containers
                Arguments.of(List.of("/user.slice/user-1000.slice/session-3.scope"), "host"),
                Arguments.of(List.of("/system.slice/docker.service"), "host"),
                Arguments.of(List.of("/system.slice/crio-conmon-" + ID + ".scope"), "host"),
                Arguments.of(List.of("/kubepods.slice/kubepods-besteffort.slice"), "host"),
                Arguments.of(List.of("/docker/" + ID.substring(1)), "host"),                 // 63 hex digits
                Arguments.of(List.of("/docker/" + ID.toUpperCase()), "host"),                // runtimes use lower case
                Arguments.of(List.of("/docker-" + ID + ".scope.evil"), "host"),
                Arguments.of(List.of("/"), "host"),
                Arguments.of(List.of("", "/init.scope"), "host"),
                // nothing read
                Arguments.of(List.of(), ""),
                Arguments.of(List.of("", ""), ""));
    }

    @ParameterizedTest
    @MethodSource("table")
    void containerIdFromCgroups(List<String> cgroups, String expected) {
        assertThat(ContainerIds.fromCgroups(cgroups)).isEqualTo(expected);
    }
}
