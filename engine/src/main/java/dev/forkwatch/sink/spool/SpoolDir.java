package dev.forkwatch.sink.spool;

import com.sun.security.auth.module.UnixSystem;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The spool directory, opened once and then used only through its file descriptor (a {@link SecureDirectoryStream}),
 * so that no path is looked up again and no symbolic link is followed. A new directory is created 0700; an
 * existing one is refused unless it is a real directory (not a link) owned by this process's user and not
 * writable by group or others. Then nobody else can add, swap or remove entries in it, so checking a file
 * (regular, not a link) and then opening it (O_NOFOLLOW) cannot race. Files created here are 0600.
 */
final class SpoolDir implements Closeable {
    private static final FileAttribute<Set<PosixFilePermission>> FILE_0600 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> DIR_0700 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final Path path;
    private final SecureDirectoryStream<Path> dir;

    private SpoolDir(Path path, SecureDirectoryStream<Path> dir) {
        this.path = path;
        this.dir = dir;
    }

    /**
     * Creates (0700) or checks the directory and opens it.
     *
     * @throws UnsafeSpoolException when it exists and is a link, not a directory, another user's, or writable by
     *                              group/others
     */
    static SpoolDir open(Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            if (abs.getParent() != null) {
                Files.createDirectories(abs.getParent());
            }
            try {
                Files.createDirectory(abs, DIR_0700); // the umask can only take bits away
            } catch (FileAlreadyExistsException e) {
                // created meanwhile (by someone else?): checked below like any existing directory
            }
        }
        PosixFileAttributes lstat = Files.readAttributes(abs, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (lstat.isSymbolicLink()) {
            throw new UnsafeSpoolException(path + " is a symbolic link: refusing to use it as the spool directory");
        }
        if (!lstat.isDirectory()) {
            throw new UnsafeSpoolException(path + " is not a directory");
        }
        DirectoryStream<Path> ds = Files.newDirectoryStream(abs);
        if (!(ds instanceof SecureDirectoryStream<Path> sds)) {
            ds.close();
            throw new IOException("this platform cannot open " + path + " as a secure directory stream");
        }
        try {
            // Check what was opened, not the path: the same inode as the lstat above, owned and writable by us only.
            PosixFileAttributes st = sds.getFileAttributeView(PosixFileAttributeView.class).readAttributes();
            if (!st.fileKey().equals(lstat.fileKey())) {
                throw new UnsafeSpoolException(path + " changed while it was being opened: refusing to use it");
            }
            UserPrincipal me = currentUser();
            if (!st.owner().equals(me)) {
                throw new UnsafeSpoolException(path + " is owned by " + st.owner().getName() + ", not by this user ("
                        + me.getName() + "): refusing to use it (its owner could plant links or files in it); use a "
                        + "directory of your own");
            }
            Set<PosixFilePermission> p = st.permissions();
            if (p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new UnsafeSpoolException(path + " is writable by group or others (" + PosixFilePermissions.toString(p)
                        + "): refusing to use it; chmod 700 it or use a private directory");
            }
            return new SpoolDir(path, sds);
        } catch (IOException | RuntimeException e) {
            sds.close();
            throw e;
        }
    }

    /** The process's user (real uid), as file owners are compared. */
    private static UserPrincipal currentUser() throws IOException {
        UnixSystem u = new UnixSystem();
        UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
        // by name when the uid has one; a name that is all digits is taken as a uid
        return users.lookupPrincipalByName(u.getUsername() != null ? u.getUsername() : Long.toString(u.getUid()));
    }

    Path path() {
        return path;
    }

    /** The names of the entries (no "." or ".."). */
    List<String> names() {
        List<String> out = new ArrayList<>();
        for (Path p : dir) {
            out.add(p.getFileName().toString());
        }
        return out;
    }

    /** True when {@code name} exists (a link counts: it is not followed). */
    boolean exists(String name) throws IOException {
        try {
            attributes(name);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Opens {@code name} without following links, after checking that it is a regular file if it exists. With
     * CREATE a new file is 0600.
     *
     * @throws UnsafeSpoolException for a link, a FIFO, a device, a directory
     */
    FileChannel open(String name, OpenOption... options) throws IOException {
        try {
            regularSize(name);
        } catch (NoSuchFileException e) {
            // created by the open below, if CREATE was given
        }
        Set<OpenOption> opts = new HashSet<>(List.of(options));
        opts.add(LinkOption.NOFOLLOW_LINKS);
        return (FileChannel) dir.newByteChannel(Path.of(name), opts, FILE_0600);
    }

    /**
     * The size of {@code name}, a regular file.
     *
     * @throws UnsafeSpoolException for a link, a FIFO, a device, a directory
     */
    long regularSize(String name) throws IOException {
        PosixFileAttributes a = attributes(name);
        if (!a.isRegularFile()) {
            throw new UnsafeSpoolException(path.resolve(name) + " is not a regular file (" + kind(a)
                    + "): refusing to open it; remove it from the spool directory");
        }
        return a.size();
    }

    void delete(String name) throws IOException {
        try {
            dir.deleteFile(Path.of(name));
        } catch (NoSuchFileException e) {
            // already gone
        }
    }

    /** fsyncs the directory, so that new and removed entries survive a crash (best effort). */
    void sync() {
        try (FileChannel d = (FileChannel) dir.newByteChannel(Path.of("."), Set.of(StandardOpenOption.READ))) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            // some file systems cannot fsync a directory; the files themselves are fsync'd
        }
    }

    private PosixFileAttributes attributes(String name) throws IOException {
        return dir.getFileAttributeView(Path.of(name), PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .readAttributes();
    }

    private static String kind(PosixFileAttributes a) {
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (a.isDirectory()) {
            return "a directory";
        }
        return "a FIFO, socket or device";
    }

    @Override
    public void close() throws IOException {
        dir.close();
    }
}
