package dev.forkwatch.rules;

/**
 * One DRL file: the name used in messages (its path, or "&lt;embedded&gt;/x.drl") and its text.
 */
public record RuleSource(String name, String text) {
}
