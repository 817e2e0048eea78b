package dev.forkwatch.sink.webhook;

import dev.forkwatch.alert.Alert;
import java.nio.file.Path;
import java.util.Map;

/**
 * Run in a child JVM by {@link KillNineTest}: spools alerts to a receiver that is down, prints each uuid, then
 * "READY", and waits to be killed. Args: spool dir, url, count, fsync_interval.
 */
public final class SpoolChild {
    private SpoolChild() {
    }

    public static void main(String[] args) throws Exception {
        dev.forkwatch.config.Config c = TestAlerts.with(TestAlerts.config(args[1], Path.of(args[0])), "fsync_interval", args[3]);
        WebhookSink s = new WebhookSink(WebhookSettings.from(c, Map.of(), System.err), System.err);
        int n = Integer.parseInt(args[2]);
        for (int i = 0; i < n; i++) {
            Alert a = TestAlerts.alert(i);
            s.accept(a); // returns once the alert is on disk
            System.out.println(a.uuid());
        }
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(120_000); // the test kills us long before this
    }
}
