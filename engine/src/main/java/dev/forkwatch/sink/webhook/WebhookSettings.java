package dev.forkwatch.sink.webhook;

import dev.forkwatch.config.Config;
import dev.forkwatch.sink.SinkException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The checked {@code outputs.webhook.*} settings. Every problem is a {@link SinkException} (BAD_SETTING) whose
 * message names the key. {@link #toString} never shows the secret or header values.
 *
 * @param signer   null when the secret env var is unset or empty (requests are not signed)
 * @param ssl      the TLS context for https URLs
 * @param fsyncInterval 0: every accept() is fsync'd before it returns; otherwise group commit at this interval
 */
public record WebhookSettings(URI url, Map<String, String> headers, Duration timeout, WebhookSigner signer,
                              SSLContext ssl, Duration initialBackoff, Duration maxBackoff, Duration maxAge,
                              Path spoolDir, long spoolMaxBytes, Duration drainTimeout, Duration fsyncInterval) {
    static final String P = "outputs.webhook.";
    /** Headers the JDK client sets itself or that carry the signature: not settable from config. */
    private static final Set<String> RESERVED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "content-type", "webhook-id", "webhook-timestamp", "webhook-signature");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    public WebhookSettings {
        headers = Map.copyOf(headers);
    }

    /** True when {@code outputs.webhook.url} is set. */
    public static boolean enabled(Config c) {
        return c.has(P + "url") && !c.string(P + "url").isBlank();
    }

    /**
     * Reads and checks the settings. {@code env} supplies the secret and the default spool dir ($XDG_STATE_HOME,
     * $HOME); warnings (insecure TLS, secret over plain http) go to {@code err}.
     */
    public static WebhookSettings from(Config c, Map<String, String> env, PrintStream err) {
        URI url = url(c);
        Map<String, String> headers = new LinkedHashMap<>();
        c.section(P + "headers.").forEach((name, value) -> {
            if (!TOKEN.matcher(name).matches() || RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                throw bad(c, P + "headers." + name, "'" + name + "' cannot be set as an extra header");
            }
            int at = badHeaderChar(value);
            if (at >= 0) { // the value is never echoed: it may be a token
                throw bad(c, P + "headers." + name, "character " + (at + 1) + " of the value is not allowed in an HTTP "
                        + "header (only printable ASCII, space and tab; the value is not shown)");
            }
            headers.put(name, value);
        });
        Duration timeout = positive(c, P + "timeout");

        String secretEnv = c.has(P + "secret_env") ? c.string(P + "secret_env") : "FORKWATCH_WEBHOOK_SECRET";
        String secret = secretEnv.isBlank() ? null : env.get(secretEnv);
        WebhookSigner signer = null;
        if (secret != null && !secret.isEmpty()) {
            try {
                signer = new WebhookSigner(WebhookSigner.keyOf(secret));
            } catch (IllegalArgumentException e) {
                throw bad(c, P + "secret_env", "environment variable " + secretEnv + ": " + e.getMessage());
            }
        }

        boolean insecure = c.bool(P + "tls.insecure");
        Path ca = file(c, P + "tls.ca_file");
        Path cert = file(c, P + "tls.client_cert");
        Path key = file(c, P + "tls.client_key");
        if ((cert == null) != (key == null)) {
            String missing = cert == null ? "tls.client_cert" : "tls.client_key";
            throw bad(c, P + missing, "client_cert and client_key must be set together");
        }
        SSLContext ssl;
        try {
            ssl = WebhookTls.context(ca, cert, key, insecure);
        } catch (WebhookTls.TlsConfigException e) {
            throw new SinkException(SinkException.Kind.BAD_SETTING, e.getMessage());
        }
        boolean https = url.getScheme().equalsIgnoreCase("https");
        if (insecure && https) {
            err.println("forkwatch: warning: outputs.webhook.tls.insecure is true: the receiver's certificate and "
                    + "host name are NOT checked");
        }
        if (!https && (signer != null || !headers.isEmpty()) && !isLoopback(url.getHost())) {
            err.println("forkwatch: warning: webhook " + redacted(url) + " is plain http to a non-loopback host: "
                    + "the signature and extra headers travel unencrypted; use https");
        }

        Duration initial = positive(c, P + "retry.initial_backoff");
        Duration max = positive(c, P + "retry.max_backoff");
        if (max.compareTo(initial) < 0) {
            throw bad(c, P + "retry.max_backoff", "must not be less than retry.initial_backoff");
        }
        Duration maxAge = positive(c, P + "retry.max_age");
        long maxBytes = c.has(P + "spool_max_bytes") ? c.integer(P + "spool_max_bytes") : 100L << 20;
        if (maxBytes < 4096) {
            throw bad(c, P + "spool_max_bytes", "must be at least 4096, got " + maxBytes);
        }
        Duration drain = c.has(P + "drain_timeout") ? Duration.ofNanos(c.nanos(P + "drain_timeout")) : Duration.ofSeconds(10);
        Duration fsync = c.has(P + "fsync_interval") ? Duration.ofNanos(c.nanos(P + "fsync_interval")) : Duration.ZERO;
        return new WebhookSettings(url, headers, timeout, signer, ssl, initial, max, maxAge, spoolDir(c, env), maxBytes,
                drain, fsync);
    }

    private static URI url(Config c) {
        String key = P + "url";
        String s = c.string(key).trim();
        URI u;
        try {
            u = new URI(s);
        } catch (URISyntaxException e) {
            throw bad(c, key, "not a valid URL: " + e.getMessage());
        }
        if (u.getScheme() == null || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))) {
            throw bad(c, key, "expected an http:// or https:// URL, got '" + redacted(u) + "'");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw bad(c, key, "the URL has no host: '" + redacted(u) + "'");
        }
        if (u.getRawUserInfo() != null) {
            throw bad(c, key, "credentials in the URL are not supported; use outputs.webhook.headers.Authorization");
        }
        return u;
    }

    private static Path file(Config c, String key) {
        if (!c.has(key) || c.string(key).isBlank()) {
            return null;
        }
        Path p = Path.of(c.string(key));
        if (!Files.isRegularFile(p)) {
            throw bad(c, key, "no such file: " + p);
        }
        if (!Files.isReadable(p)) {
            throw bad(c, key, "cannot read " + p);
        }
        return p;
    }

    private static Duration positive(Config c, String key) {
        Duration d = Duration.ofNanos(c.nanos(key));
        if (d.isZero() || d.isNegative()) {
            throw bad(c, key, "must be more than 0");
        }
        return d;
    }

    static Path spoolDir(Config c, Map<String, String> env) {
        if (c.has(P + "spool_dir") && !c.string(P + "spool_dir").isBlank()) {
            return Path.of(c.string(P + "spool_dir"));
        }
        String state = env.get("XDG_STATE_HOME");
        if (state != null && !state.isBlank()) {
            return Path.of(state, "forkwatch", "spool");
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".local", "state", "forkwatch", "spool");
    }

    static boolean isLoopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // a name: no DNS look-up here
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The URL without query (tokens sometimes live there) for messages. */
    static String redacted(URI u) {
        String s = u.getScheme() + "://" + (u.getHost() == null ? "" : u.getHost()) + (u.getPort() < 0 ? "" : ":" + u.getPort())
                + (u.getRawPath() == null ? "" : u.getRawPath());
        return u.getRawQuery() == null ? s : s + "?...";
    }

    /**
     * The index of the first character of a header value that is not visible ASCII, space or tab, or -1. The JDK
     * client refuses the others only when a request is built, i.e. at every retry: check them once, at start.
     */
    static int badHeaderChar(String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (!(ch == '\t' || (ch >= 0x20 && ch <= 0x7e))) {
                return i;
            }
        }
        return -1;
    }

    private static SinkException bad(Config c, String key, String message) {
        String origin = c.origin(key);
        return new SinkException(SinkException.Kind.BAD_SETTING, (origin == null ? "" : origin + ": ") + key + ": " + message);
    }

    @Override
    public String toString() {
        return "WebhookSettings[url=" + redacted(url) + ", headers=" + headers.keySet() + ", signed=" + (signer != null)
                + ", timeout=" + timeout + ", spoolDir=" + spoolDir + ", spoolMaxBytes=" + spoolMaxBytes + "]";
    }
}
