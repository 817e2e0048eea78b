package dev.forkwatch.rules;

import java.util.List;
import java.util.stream.Collectors;

/** The rules did not compile; carries every problem found. Exit code 2. */
public final class RuleCompileException extends RuntimeException {
    private final List<RuleError> errors;

    public RuleCompileException(List<RuleError> errors) {
        super(errors.stream().map(RuleError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<RuleError> errors() {
        return errors;
    }
}
