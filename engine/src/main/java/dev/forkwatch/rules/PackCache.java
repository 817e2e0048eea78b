package dev.forkwatch.rules;

import dev.forkwatch.config.Config;
import dev.forkwatch.config.ConfigException;
import dev.forkwatch.config.FileTrust;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.drools.base.common.DroolsObjectInputStream;
import org.drools.base.common.DroolsObjectOutputStream;
import org.drools.compiler.builder.impl.KnowledgeBuilderImpl;
import org.drools.wiring.api.classloader.ProjectClassLoader;
import org.kie.api.definition.KiePackage;
import org.kie.internal.builder.KnowledgeBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiled rule packs kept between processes, so that a start skips DRL parsing and consequence compilation
 * (docs/performance.md "Start-up"). An entry is the Drools packages of a pack that compiled cleanly, serialized,
 * with the classes Drools generated for its declared types; its name is a digest of everything the compiled
 * packages depend on: the preprocessed DRL (where the params are) and its resource paths, the params, and the
 * code of forkwatch, Drools and the JDK. A cached pack is code that root runs, so the directory must pass the
 * checks of rule files for this process's user ({@link FileTrust#checkOwn}) and an entry must be a regular file
 * (never followed through a link) that only this user can write; an entry that fails a check, does not match its
 * digest or does not load is ignored and rebuilt, never an error. Entries are written 0600, atomically, and at
 * most {@link #MAX_ENTRIES} are kept (least recently used go first).
 */
public final class PackCache {
    static final int MAX_ENTRIES = 16;
    private static final long MAX_ENTRY_BYTES = 64L << 20;
    private static final byte[] MAGIC = "forkwatch compiled pack 1\n".getBytes(StandardCharsets.US_ASCII);
    private static final String PREFIX = "pack-";
    private static final String SUFFIX = ".bin";
    private static final Logger LOG = LoggerFactory.getLogger(PackCache.class);

    private final Path dir;
    private final java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();

    private PackCache(Path dir) {
        this.dir = dir;
    }

    /** No cache: every load compiles. */
    public static PackCache off() {
        return new PackCache(null);
    }

    public static PackCache in(Path dir) {
        return new PackCache(dir.toAbsolutePath());
    }

    /**
     * The launchers' cache directory (packaging/jvm-options.sh): FORKWATCH_CACHE_DIR, else
     * ${XDG_CACHE_HOME:-$HOME/.cache}/forkwatch; off without a HOME or with FORKWATCH_PACK_CACHE=off.
     */
    public static PackCache fromEnvironment(Map<String, String> env) {
        if ("off".equals(env.get("FORKWATCH_PACK_CACHE"))) {
            return off();
        }
        String d = env.getOrDefault("FORKWATCH_CACHE_DIR", "");
        if (d.isEmpty()) {
            String base = env.getOrDefault("XDG_CACHE_HOME", "");
            if (base.isEmpty()) {
                String home = env.getOrDefault("HOME", "");
                if (home.isEmpty()) {
                    return off();
                }
                base = home + "/.cache";
            }
            d = base + "/forkwatch";
        }
        Path p = Path.of(d);
        return p.isAbsolute() ? new PackCache(p) : off();
    }

    boolean enabled() {
        return dir != null;
    }

    /** The directory; null when off. */
    Path dir() {
        return dir;
    }

    /** How many loads this cache answered. */
    int hits() {
        return hits.get();
    }

    Path entry(String key) {
        return dir.resolve(PREFIX + key + SUFFIX);
    }

    /**
     * The entry name for a pack: resource paths and preprocessed texts in order, the params, and {@code salt}, what
     * else the entry vouches for (e.g. the smoke run's settings when the pack passed it).
     */
    String key(Map<String, String> textByPath, Map<String, Config.Value> params, String salt) {
        MessageDigest d = sha256();
        update(d, new String(MAGIC, StandardCharsets.US_ASCII));
        update(d, salt);
        for (Class<?> c : List.of(PackCache.class, KnowledgeBuilderImpl.class, org.drools.base.definitions.impl.KnowledgePackageImpl.class,
                org.drools.core.impl.KnowledgeBaseImpl.class, org.drools.mvel.MVELKnowledgePackageImpl.class, org.mvel2.MVEL.class)) {
            update(d, codeIdentity(c));
        }
        update(d, System.getProperty("java.home") + " " + System.getProperty("java.vm.version"));
        textByPath.forEach((path, text) -> {
            update(d, path);
            update(d, text);
        });
        new TreeMap<>(params).forEach((name, v) -> update(d, name + "=" + v.value()));
        return HexFormat.of().formatHex(d.digest());
    }

    /** The packages of the entry {@code key}, loaded; null when there is none that can be trusted and loaded. */
    Collection<KiePackage> read(String key) {
        if (dir == null || !trustedDir(false)) {
            return null;
        }
        Path entry = entry(key);
        try {
            PosixFileAttributes a = Files.readAttributes(entry, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            String problem = !a.isRegularFile() ? "not a regular file"
                    : ownerUid(entry) != FileTrust.effectiveUid() ? "owned by another user"
                    : writableByOthers(a.permissions()) ? "writable by others"
                    : a.size() > MAX_ENTRY_BYTES ? "too large" : null;
            if (problem != null) {
                LOG.debug("compiled pack {} ignored: {}", entry, problem);
                return null;
            }
            byte[] bytes;
            try (SeekableByteChannel ch = Files.newByteChannel(entry, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                 InputStream in = Channels.newInputStream(ch)) {
                bytes = in.readNBytes((int) MAX_ENTRY_BYTES + 1);
            }
            Collection<KiePackage> pkgs = decode(bytes, key);
            if (pkgs != null) {
                hits.incrementAndGet();
                Files.setLastModifiedTime(entry, FileTime.fromMillis(System.currentTimeMillis())); // least recently used
            }
            return pkgs;
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException | LinkageError | ClassNotFoundException e) {
            LOG.debug("compiled pack {} ignored: {}", entry, e.toString());
            return null;
        }
    }

    private static Collection<KiePackage> decode(byte[] bytes, String key) throws IOException, ClassNotFoundException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        byte[] magic = new byte[MAGIC.length];
        in.readFully(magic);
        if (!java.util.Arrays.equals(magic, MAGIC) || !in.readUTF().equals(key)) {
            return null;
        }
        byte[] digest = new byte[32];
        in.readFully(digest);
        int length = in.readInt();
        int start = MAGIC.length + 2 + key.length() + 32 + 4;
        if (length < 0 || start + length != bytes.length
                || !MessageDigest.isEqual(digest, sha256().digest(java.util.Arrays.copyOfRange(bytes, start, bytes.length)))) {
            return null; // truncated or changed
        }
        Map<String, byte[]> classes = new TreeMap<>();
        for (int n = in.readInt(), i = 0; i < n; i++) {
            String name = in.readUTF();
            byte[] code = new byte[in.readInt()];
            in.readFully(code);
            classes.put(name, code);
        }
        // The declared types' classes first: the packages refer to them by name.
        ProjectClassLoader loader = ProjectClassLoader.createProjectClassLoader(PackCache.class.getClassLoader(), classes);
        DroolsObjectInputStream objects = new DroolsObjectInputStream(in, loader);
        List<KiePackage> out = new ArrayList<>();
        for (Object o : (Collection<?>) objects.readObject()) {
            out.add((KiePackage) o);
        }
        return out;
    }

    /**
     * The entry for a pack that compiled cleanly, as bytes (made before the packages go into a KieBase, which
     * changes them); null when the cache is off or they cannot be written.
     */
    byte[] encode(String key, KnowledgeBuilder builder) {
        if (dir == null) {
            return null;
        }
        try {
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(payload);
            Map<String, byte[]> classes = ((ProjectClassLoader) ((KnowledgeBuilderImpl) builder).getRootClassLoader()).getStore();
            classes = classes == null ? Map.of() : new TreeMap<>(classes);
            out.writeInt(classes.size());
            for (var c : classes.entrySet()) {
                out.writeUTF(c.getKey());
                out.writeInt(c.getValue().length);
                out.write(c.getValue());
            }
            DroolsObjectOutputStream objects = new DroolsObjectOutputStream(out);
            objects.writeObject(new ArrayList<>(builder.getKnowledgePackages()));
            objects.flush();
            byte[] body = payload.toByteArray();
            ByteArrayOutputStream whole = new ByteArrayOutputStream(body.length + 200);
            DataOutputStream w = new DataOutputStream(whole);
            w.write(MAGIC);
            w.writeUTF(key);
            w.write(sha256().digest(body));
            w.writeInt(body.length);
            w.write(body);
            return whole.toByteArray();
        } catch (IOException | RuntimeException e) {
            LOG.debug("compiled pack not cached: {}", e.toString());
            return null;
        }
    }

    /** Stores an entry made by {@link #encode}: a 0600 temporary file renamed over the entry, then the oldest pruned. */
    void write(String key, byte[] entry) {
        if (dir == null || entry == null || !trustedDir(true)) {
            return;
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, ".pack-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, entry);
            Path target = entry(key);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                return;
            }
            tmp = null;
            prune();
        } catch (IOException | RuntimeException e) {
            LOG.debug("compiled pack not cached in {}: {}", dir, e.toString());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}: {}", tmp, e.toString());
                }
            }
        }
    }

    private void prune() throws IOException {
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(PREFIX) && n.endsWith(SUFFIX) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
            }).toList();
        }
        if (entries.size() <= MAX_ENTRIES) {
            return;
        }
        List<Path> byAge = new ArrayList<>(entries);
        byAge.sort(Comparator.comparing(PackCache::modified));
        for (Path p : byAge.subList(0, entries.size() - MAX_ENTRIES)) {
            Files.deleteIfExists(p);
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /** The directory, made 0700 when {@code create} and missing, passes {@link FileTrust#checkOwn}. */
    private boolean trustedDir(boolean create) {
        try {
            if (create && !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return false; // missing, or a link
            }
            FileTrust.checkOwn(dir, "compiled-pack cache");
            return true;
        } catch (ConfigException | IOException e) {
            LOG.debug("compiled-pack cache {} not used: {}", dir, e.getMessage());
            return false;
        }
    }

    private static int ownerUid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean writableByOthers(Set<PosixFilePermission> perms) {
        return perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE);
    }

    /** Where a class's code comes from, and which version of it: a jar's size and mtime, a directory's newest file. */
    private static String codeIdentity(Class<?> c) {
        try {
            var src = c.getProtectionDomain().getCodeSource();
            if (src == null) {
                return c.getName();
            }
            Path p = Path.of(src.getLocation().toURI());
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    return p + " " + s.mapToLong(f -> modified(f).toMillis()).max().orElse(0);
                }
            }
            return p + " " + Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis();
        } catch (URISyntaxException | IOException | RuntimeException e) {
            return c.getName() + " " + e;
        }
    }

    private static void update(MessageDigest d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.update(java.nio.ByteBuffer.allocate(4).putInt(b.length).array());
        d.update(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
