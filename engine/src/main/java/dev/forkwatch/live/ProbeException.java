package dev.forkwatch.live;

/**
 * This host cannot run the live probes (privileges, BTF, libbpf, the BPF object, the probe mode, the
 * verifier): cli/Main maps it to exit code 3. A bad live setting is a {@link dev.forkwatch.config.ConfigException}.
 */
public final class ProbeException extends RuntimeException {
    public ProbeException(String message) {
        super(message);
    }
}
