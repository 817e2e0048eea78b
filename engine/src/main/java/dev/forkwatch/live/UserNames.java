package dev.forkwatch.live;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import dev.forkwatch.event.Text;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * uid to user name through the C library's {@code getpwuid_r}, so every NSS source (files, LDAP, sssd,
 * systemd-userdb) resolves. A name is looked up once and cached in this instance; a uid with no name is
 * asked again after {@link #RETRY_UNKNOWN_NS}, so a user created while forkwatch runs gets its name.
 * Names are in the {@link Text} form. Not for hot paths of other threads: calls are serialised.
 */
public final class UserNames {
    static final long RETRY_UNKNOWN_NS = 60_000_000_000L;
    // Bounded: uids come from the watched processes, and a hostile one can cycle through many.
    static final int MAX_ENTRIES = 4096;
    private static final int ERANGE = 34;
    private static final int MAX_BUFFER = 1 << 20;

    interface PwLib extends Library {
        /** struct passwd starts with {@code char *pw_name}; the rest of it is not read. */
        int getpwuid_r(int uid, Pointer pwd, Pointer buf, long buflen, PointerByReference result);
    }

    private record Entry(String name, long at) {
    }

    private final PwLib libc;
    private final LongSupplier nanoClock;
    private final Map<Integer, Entry> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Entry> eldest) {
            return size() > MAX_ENTRIES;
        }
    };
    // struct passwd is 48 bytes on 64-bit Linux; room to spare for other layouts
    private final Memory pwd = new Memory(128);
    private Memory buf = new Memory(16_384);

    public UserNames() {
        this(System::nanoTime);
    }

    /** @param nanoClock a monotonic clock in ns, for retrying unknown uids */
    UserNames(LongSupplier nanoClock) {
        this.libc = Native.load("c", PwLib.class);
        this.nanoClock = nanoClock;
    }

    /** The name of {@code uid} (an unsigned 32-bit uid held in an int), or "" when it has none. */
    public synchronized String name(int uid) {
        long now = nanoClock.getAsLong();
        Entry e = cache.get(uid);
        if (e != null && (!e.name.isEmpty() || now - e.at < RETRY_UNKNOWN_NS)) {
            return e.name;
        }
        String name = lookup(uid);
        cache.put(uid, new Entry(name, now));
        return name;
    }

    private String lookup(int uid) {
        if (uid == -1) {
            return ""; // (uid_t) -1 is "no uid", never a user
        }
        while (true) {
            PointerByReference result = new PointerByReference();
            int rc = libc.getpwuid_r(uid, pwd, buf, buf.size(), result);
            if (rc == ERANGE && buf.size() < MAX_BUFFER) {
                buf = new Memory(buf.size() * 2);
                continue;
            }
            if (rc != 0 || result.getValue() == null) {
                return ""; // no such user, or NSS could not answer: unknown, asked again later
            }
            Pointer name = pwd.getPointer(0);
            return name == null ? "" : Text.fromBytes(name.getByteArray(0, strlen(name)));
        }
    }

    private static int strlen(Pointer p) {
        int n = 0;
        while (n < 4096 && p.getByte(n) != 0) {
            n++;
        }
        return n;
    }
}
