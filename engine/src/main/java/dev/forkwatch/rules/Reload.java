package dev.forkwatch.rules;

import java.util.List;
import java.util.Set;

/**
 * What a reload did ({@link RuleEngine#reload}): applied, with the rules added (new, or back after being
 * disabled), changed, removed and left in place; or refused, with the reason.
 *
 * @param rules       alert rules loaded after the reload (the running pack's when refused)
 * @param restartKeys config keys that changed but only take effect after a restart
 */
public record Reload(boolean applied, String refusal, Set<String> added, Set<String> changed, Set<String> removed,
                     int unchanged, int rules, List<String> restartKeys) {

    static Reload refused(String why, int rules, List<String> restartKeys) {
        return new Reload(false, why, Set.of(), Set.of(), Set.of(), 0, rules, List.copyOf(restartKeys));
    }

    /** One line for the log: "8 rule(s) loaded: 1 added, 1 changed, 0 removed, 7 unchanged", or the refusal. */
    public String summary() {
        if (!applied) {
            return "rules not reloaded: " + reason();
        }
        return "rules reloaded: " + rules + " rule(s) loaded: " + names("added", added) + ", " + names("changed", changed)
                + ", " + names("removed", removed) + ", " + unchanged + " unchanged" + restart();
    }

    /** Why a refused reload was refused, and what happens now: the message of the {@code Rules not reloaded} alert. */
    public String reason() {
        return refusal + "; the running rules go on unchanged" + restart();
    }

    private String restart() {
        return restartKeys.isEmpty() ? "" : "; restart needed to apply " + String.join(", ", restartKeys);
    }

    private static String names(String what, Set<String> rules) {
        return rules.size() + " " + what + (rules.isEmpty() ? "" : " (\"" + String.join("\", \"", rules) + "\")");
    }
}
