package dev.forkwatch.live;

/**
 * Converts CLOCK_BOOTTIME nanoseconds (bpf_ktime_get_boot_ns, which keeps counting through suspend) to
 * nanoseconds since the Unix epoch. The offset is re-measured on {@link #calibrate()} so a stepped wall clock
 * (NTP) is followed; each measurement brackets the realtime read between two boottime reads.
 */
final class BootClock {
    private volatile long offsetNs;

    BootClock() {
        calibrate();
    }

    void calibrate() {
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 3; i++) {
            long b0 = LibC.nanos(LibC.CLOCK_BOOTTIME);
            long r = LibC.nanos(LibC.CLOCK_REALTIME);
            long b1 = LibC.nanos(LibC.CLOCK_BOOTTIME);
            if (b1 - b0 < best) {
                best = b1 - b0;
                offset = r - (b0 + (b1 - b0) / 2);
            }
        }
        offsetNs = offset;
    }

    long toWall(long bootNs) {
        return bootNs + offsetNs;
    }

    long wallNow() {
        return LibC.nanos(LibC.CLOCK_REALTIME);
    }
}
