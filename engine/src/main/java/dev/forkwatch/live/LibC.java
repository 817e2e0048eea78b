package dev.forkwatch.live;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** clock_gettime from libc: to turn the BPF programs' CLOCK_BOOTTIME stamps into wall-clock time. */
interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int CLOCK_REALTIME = 0;
    int CLOCK_BOOTTIME = 7;

    /** {@code ts} receives struct timespec {tv_sec, tv_nsec}: two longs on 64-bit Linux. */
    int clock_gettime(int clockId, long[] ts);

    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 1;

    int getpagesize();

    com.sun.jna.Pointer mmap(com.sun.jna.Pointer addr, long length, int prot, int flags, int fd, long offset);

    int munmap(com.sun.jna.Pointer addr, long length);

    static long nanos(int clockId) {
        long[] ts = new long[2];
        if (INSTANCE.clock_gettime(clockId, ts) != 0) {
            throw new IllegalStateException("clock_gettime(" + clockId + ") failed, errno " + Native.getLastError());
        }
        return ts[0] * 1_000_000_000L + ts[1];
    }
}
