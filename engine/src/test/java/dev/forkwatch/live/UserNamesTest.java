package dev.forkwatch.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Real lookups through the C library; a user is created with useradd and removed (the tests run as root). */
class UserNamesTest {
    @Test
    void rootAndUnsetUid() {
        UserNames names = new UserNames();
        assertThat(names.name(0)).isEqualTo("root");
        assertThat(names.name(-1)).isEmpty();
    }

    @Test
    void aUserCreatedLaterResolvesAfterTheRetryAndStaysCached() throws Exception {
        AtomicLong clock = new AtomicLong(1_000);
        UserNames names = new UserNames(clock::get);
        int uid = freeUid();
        String user = "fwtest" + Integer.toString(uid, 36);
        assertThat(names.name(uid)).isEmpty();
        try {
            run("useradd", "-M", "-N", "-u", Integer.toString(uid), "-s", "/usr/sbin/nologin", user);
            // an unknown uid is not asked again at once (a flood of events from one uid costs one lookup) ...
            clock.addAndGet(UserNames.RETRY_UNKNOWN_NS - 1);
            assertThat(names.name(uid)).isEmpty();
            // ... but after the retry period it is
            clock.addAndGet(1);
            assertThat(names.name(uid)).isEqualTo(user);
            assertThat(new UserNames().name(uid)).isEqualTo(user);
        } finally {
            run("userdel", user);
        }
        // a known name stays cached in the instance; a new instance asks the C library
        assertThat(names.name(uid)).isEqualTo(user);
        assertThat(new UserNames().name(uid)).isEmpty();
    }

    /** A uid no user has: getent exits 2 for "not found". */
    private static int freeUid() throws Exception {
        for (int i = 0; i < 100; i++) {
            int uid = 60_000 + ThreadLocalRandom.current().nextInt(5_000);
            Process p = new ProcessBuilder("getent", "passwd", Integer.toString(uid)).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() == 2) {
                return uid;
            }
        }
        throw new IllegalStateException("no free uid found in 60000-65000");
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish");
        }
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }
}
