package dev.forkwatch.rules;

import dev.forkwatch.config.FileTrust;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The user's rule directories ({@code rules.extra_dirs}, e.g. /etc/forkwatch/rules.d), loaded beside the pack.
 * A directory may be empty. Rules run with the sensor's privileges, so a directory or file that someone else could
 * have written is refused: a symlink, anything writable by group or others, or owned by another user than root or
 * the one running forkwatch.
 */
final class RuleDirs {
    private RuleDirs() {
    }

    /** The *.drl files directly in each directory, sorted by name; every problem in one RuleCompileException. */
    static List<RuleSource> read(List<Path> dirs) {
        List<RuleSource> out = new ArrayList<>();
        List<RuleError> errors = new ArrayList<>();
        for (Path dir : dirs) {
            try {
                String bad = untrusted(dir);
                if (bad != null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    errors.add(new RuleError(dir.toString(), 1, 1, "rules.extra_dirs: " + (bad != null ? bad : "not a directory")));
                    continue;
                }
                FileTrust.check(dir, "rule directory"); // as root: the directories above it too
                List<Path> files;
                try (Stream<Path> s = Files.list(dir)) {
                    files = s.filter(f -> f.getFileName().toString().endsWith(".drl")).sorted().toList();
                }
                for (Path f : files) {
                    String badFile = untrusted(f);
                    if (badFile != null || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                        errors.add(new RuleError(f.toString(), 1, 1, badFile != null ? badFile : "not a regular file"));
                    } else {
                        out.add(new RuleSource(f.toString(), Files.readString(f, StandardCharsets.UTF_8)));
                    }
                }
            } catch (NoSuchFileException e) {
                errors.add(new RuleError(dir.toString(), 1, 1, "rules.extra_dirs: no such directory"));
            } catch (IOException e) {
                errors.add(new RuleError(dir.toString(), 1, 1, "cannot read: " + e.getMessage()));
            }
        }
        if (!errors.isEmpty()) {
            throw new RuleCompileException(errors);
        }
        return out;
    }

    /** Why {@code p} cannot be trusted, or null. */
    private static String untrusted(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) {
            return "is a symlink: name the real path";
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            return "is writable by group or others (chmod go-w)";
        }
        int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int me = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (owner != 0 && owner != me) {
            return "is owned by uid " + owner + ", neither root nor the user running forkwatch";
        }
        return null;
    }
}
