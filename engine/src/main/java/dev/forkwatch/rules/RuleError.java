package dev.forkwatch.rules;

/** One problem in a rule file, reported as {@code file:line:column: message}. */
public record RuleError(String file, int line, int column, String message) {
    @Override
    public String toString() {
        return file + ":" + Math.max(line, 1) + ":" + Math.max(column, 1) + ": " + message;
    }
}
