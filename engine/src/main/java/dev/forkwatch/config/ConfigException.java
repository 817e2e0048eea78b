package dev.forkwatch.config;

/** A config problem; the message names the file, line and key. Exit code 2. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
