package dev.forkwatch.alert;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host name put into alerts: /etc/hostname's view of the kernel's name, resolved once. */
public final class Hostname {
    private static final String NAME = lookup();

    private Hostname() {
    }

    public static String local() {
        return NAME;
    }

    /** {@code configured} (engine.hostname) when set, else this host's name. */
    public static String orLocal(String configured) {
        return configured == null || configured.isBlank() ? NAME : configured;
    }

    private static String lookup() {
        try {
            String s = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!s.isEmpty()) {
                return s;
            }
        } catch (IOException | RuntimeException e) {
            // fall through: not Linux, or /proc not mounted
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
