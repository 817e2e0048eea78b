package dev.forkwatch.metrics;

/**
 * Where the metrics endpoint listens: {@code PORT} (loopback, 127.0.0.1), {@code HOST:PORT}, or
 * {@code [IPv6]:PORT}. Exposing it beyond the host is a choice the user writes out (e.g. {@code 0.0.0.0:9464}).
 */
public record ListenAddress(String host, int port) {

    /** Parses the text; an IllegalArgumentException says what is wrong with it. */
    public static ListenAddress parse(String text) {
        String s = text.trim();
        String host = "127.0.0.1";
        String port = s;
        int colon = s.lastIndexOf(':');
        if (colon >= 0) {
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new IllegalArgumentException("'" + text + "': write an IPv6 address in brackets, e.g. [::1]:9464");
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "': give the address too (e.g. 0.0.0.0:9464 for every "
                        + "interface), or only the port for loopback");
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': expected PORT or ADDRESS:PORT, e.g. 9464 or 0.0.0.0:9464");
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("'" + text + "': port " + p + " is not between 0 and 65535");
        }
        return new ListenAddress(host, p);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
