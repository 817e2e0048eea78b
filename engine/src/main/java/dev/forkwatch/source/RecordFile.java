package dev.forkwatch.source;

import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.UUID;

/**
 * Creates the {@code --record} file as root may: mode 0600, and never through a symlink or into a file someone
 * else prepared. A fresh file is made beside the target with O_CREAT|O_EXCL (which never follows a symlink) and
 * renamed over the target name; rename replaces a symlink or an old file at that name rather than writing
 * through it. The caller keeps writing to the descriptor it got, whatever later happens to the name.
 */
public final class RecordFile {
    private RecordFile() {
    }

    /** An exclusive, 0600 writer at {@code target}, replacing what was there. */
    public static Writer create(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("is a directory");
        }
        Path dir = abs.getParent();
        Path tmp = null;
        FileChannel ch = null;
        for (int attempt = 0; ch == null; attempt++) {
            tmp = dir.resolve("." + abs.getFileName() + "." + UUID.randomUUID() + ".tmp");
            try {
                ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
        try {
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
        return Channels.newWriter(ch, StandardCharsets.UTF_8);
    }
}
