package dev.forkwatch.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Rule files are Java code, and forkwatch runs as root: a rule or config file that another user can change is a
 * root shell for that user. As sshd's StrictModes does, when forkwatch runs as root it refuses a file when the
 * file or any directory above it (symlinks followed to their targets) is owned by a user other than root, or is
 * writable by group or others; a root-owned directory with the sticky bit (/tmp) is allowed, since there others
 * cannot replace what root put.
 */
public final class FileTrust {
    private FileTrust() {
    }

    /** Checks {@code file} when this process runs as root; a {@link ConfigException} naming the file otherwise. */
    public static void check(Path file, String what) {
        if (runningAsRoot()) {
            checkAsRoot(file, what);
        }
    }

    /** The check itself, whoever runs it (tests). */
    static void checkAsRoot(Path file, String what) {
        checkOwnedBy(file, what, 0);
    }

    /**
     * For files this process writes and later runs as code (compiled packs): the same check, with this process's
     * user in root's place: the file owned by it, every directory above owned by it or root, none writable by
     * group or others unless a sticky root-owned directory. Run as root, it is {@link #check}.
     */
    public static void checkOwn(Path file, String what) {
        checkOwnedBy(file, what, effectiveUid());
    }

    static void checkOwnedBy(Path file, String what, int owner) {
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            return; // a missing file is reported by whoever reads it
        }
        for (Path p = real; p != null; p = p.getParent()) {
            PosixFileAttributes a;
            try {
                a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException | UnsupportedOperationException e) {
                throw new ConfigException(file + ": cannot check who may change " + p + ": " + e.getMessage());
            }
            int uid = uid(p);
            Set<PosixFilePermission> perms = a.permissions();
            boolean writable = perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE);
            boolean sticky = a.isDirectory() && uid == 0 && sticky(p);
            String where = p.equals(real) ? (file.equals(real) ? "it" : "its target " + real) : p.toString();
            boolean ownerOk = uid == owner || (uid == 0 && !p.equals(real));
            if (!ownerOk) {
                throw refuse(file, what, owner, where + " is owned by " + a.owner().getName() + " (uid " + uid + "), not "
                        + (owner == 0 ? "root" : "uid " + owner + (p.equals(real) ? "" : " or root")), "chown " + (owner == 0 ? "root" : owner) + " " + p);
            }
            if (writable && !sticky) {
                throw refuse(file, what, owner, where + " is writable by " + (perms.contains(PosixFilePermission.OTHERS_WRITE)
                        ? "others" : "its group") + " (mode " + mode(p) + ")", "chmod go-w " + p);
            }
        }
    }

    private static ConfigException refuse(Path file, String what, int owner, String why, String fix) {
        return new ConfigException(file + ": refusing to load this " + what + " as " + (owner == 0 ? "root" : "uid " + owner) + ": " + why
                + ", so another user could change what root runs (fix: " + fix + "; see docs/operations.md)");
    }

    private static int uid(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new ConfigException(p + ": cannot read its owner: " + e.getMessage());
        }
    }

    private static boolean sticky(Path p) {
        return (unixMode(p) & 01000) != 0;
    }

    private static String mode(Path p) {
        return String.format("%04o", unixMode(p) & 07777);
    }

    private static int unixMode(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new ConfigException(p + ": cannot read its mode: " + e.getMessage());
        }
    }

    /** Effective uid 0. */
    static boolean runningAsRoot() {
        return effectiveUid() == 0;
    }

    /** This process's effective uid, from /proc/self/status ("Uid: real effective saved fs"); 0 when unknown (strict). */
    public static int effectiveUid() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Uid:")) {
                    return Integer.parseInt(l.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0; // cannot tell: be strict
        }
        return 0;
    }
}
