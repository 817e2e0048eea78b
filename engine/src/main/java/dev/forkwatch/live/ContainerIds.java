package dev.forkwatch.live;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The container id of a process, parsed from its cgroup paths the way Falco does (libsinsp's runc cgroup
 * layouts): a container runtime's cgroup name holding a 64-hex-digit container id gives the id's first 12
 * characters. Documented in docs/events.md ({@code container_id}).
 */
public final class ContainerIds {
    /** No cgroup name was read: the container is unknown. */
    public static final String UNKNOWN = "";
    /** Cgroups were read and none is a container runtime's. */
    public static final String HOST = "host";
    static final int REPORTED_LENGTH = 12;

    private static final String ID = "([0-9a-f]{64})";
    // One path component. Only full 64-hex ids count, so "session-3.scope" or a pod's own slice never match.
    private static final List<Pattern> COMPONENT = List.of(
            Pattern.compile("(?:docker|cri-containerd|crio|libpod)-" + ID + "\\.scope"), // systemd cgroup driver
            Pattern.compile("(?:crio|libpod)-" + ID),                                   // cgroupfs driver
            Pattern.compile(".*:cri-containerd:" + ID),                                 // containerd, cgroupfs, v2
            Pattern.compile(ID));                                                       // /docker/<id>, /kubepods/.../<id>

    private ContainerIds() {
    }

    /**
     * The container id from a process's cgroup paths, the v2 (unified) path first, then the v1 hierarchies.
     * A path may be full ({@code /system.slice/docker-<id>.scope}) or a single name.
     *
     * @return 12 hex characters from the first path naming a container; {@link #HOST} when some path was
     *         read and none names one; {@link #UNKNOWN} when no path was read (empty list or only "")
     */
    public static String fromCgroups(List<String> cgroups) {
        boolean known = false;
        for (String path : cgroups) {
            if (path == null || path.isEmpty()) {
                continue;
            }
            known = true;
            String id = fromPath(path);
            if (id != null) {
                return id;
            }
        }
        return known ? HOST : UNKNOWN;
    }

    /** The id from one cgroup path, or null when it names no container. */
    static String fromPath(String path) {
        String[] parts = path.split("/");
        // The deepest component that names a container: processes may sit in a sub-cgroup of the container's
        // (podman's ".../libpod-<id>.scope/container", systemd inside a container), and docker-in-docker nests.
        for (int i = parts.length - 1; i >= 0; i--) {
            for (Pattern p : COMPONENT) {
                Matcher m = p.matcher(parts[i]);
                if (m.matches()) {
                    return m.group(1).substring(0, REPORTED_LENGTH);
                }
            }
        }
        return null;
    }
}
