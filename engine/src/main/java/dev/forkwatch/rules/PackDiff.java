package dev.forkwatch.rules;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;

/**
 * What a reload changes, rule by rule: a rule is the same when its text after {@code ${param}} substitution is
 * the same, whitespace aside (so a changed param changes the rules that use it). Declared types and functions
 * cannot change under a live session: the facts in it are instances of the old classes; a pack that changes or
 * removes one is refused ({@link #refusal}). New ones are fine.
 */
final class PackDiff {
    /** A rule in the KieBase: its package and name. */
    record RuleKey(String pkg, String name) {
    }

    /** One rule file as Drools parses it, with the text of each of its rules and definitions. */
    private record Parsed(RuleSource source, PackageDescr descr, Map<RuleKey, String> rules, Map<String, Definition> definitions) {
    }

    private record Definition(String text, String where) {
    }

    private final List<PackageDescr> wanted = new ArrayList<>();
    private final List<PackageDescr> running = new ArrayList<>();
    private final Set<String> added = new TreeSet<>();
    private final Set<String> changed = new TreeSet<>();
    private final Set<String> removed = new TreeSet<>();
    private final List<String> refusal = new ArrayList<>();
    private int unchanged;

    /**
     * @param live   the pack running now
     * @param inBase the rules in the session's KieBase now (without those disabled by the config or for failing)
     * @param next   the pack to run
     * @param off    rules of {@code next} the config turns off
     */
    static PackDiff of(RulePack live, Set<RuleKey> inBase, RulePack next, Set<String> off) {
        PackDiff d = new PackDiff();
        List<Parsed> before = live.compiled().stream().map(PackDiff::parse).toList();
        List<Parsed> after = next.compiled().stream().map(PackDiff::parse).toList();
        Map<RuleKey, String> oldRules = new LinkedHashMap<>();
        Map<String, Definition> oldDefs = new LinkedHashMap<>();
        before.forEach(p -> {
            oldRules.putAll(p.rules());
            oldDefs.putAll(p.definitions());
        });
        Map<String, Definition> newDefs = new LinkedHashMap<>();
        after.forEach(p -> newDefs.putAll(p.definitions()));
        oldDefs.forEach((key, def) -> {
            Definition now = newDefs.get(key);
            if (now == null || !now.text().equals(def.text())) {
                d.refusal.add(key + " (" + def.where() + ") " + (now == null ? "was removed" : "changed")
                        + ": facts in the session have its old shape, restart to apply");
            }
        });
        Set<RuleKey> wanted = new HashSet<>();
        for (Parsed p : after) {
            for (RuleDescr r : p.descr().getRules()) {
                RuleKey k = new RuleKey(p.descr().getName(), r.getName());
                if (off.contains(r.getName())) {
                    continue;
                }
                wanted.add(k);
                if (!inBase.contains(k)) {
                    d.added.add(r.getName()); // new, or back: disabled for failing (until the next reload) or by the config
                } else if (p.rules().get(k).equals(oldRules.get(k))) {
                    d.unchanged++;
                } else {
                    d.changed.add(r.getName());
                }
            }
            p.descr().getRules().removeIf(r -> off.contains(r.getName()));
            d.wanted.add(p.descr());
        }
        for (RuleKey k : inBase) {
            if (!wanted.contains(k)) {
                d.removed.add(k.name());
            }
        }
        for (Parsed p : before) {
            p.descr().getRules().removeIf(r -> !inBase.contains(new RuleKey(p.descr().getName(), r.getName())));
            d.running.add(p.descr());
        }
        return d;
    }

    private static Parsed parse(RuleSource s) {
        DrlParser parser = new DrlParser();
        PackageDescr pd;
        try {
            pd = parser.parse(null, s.text());
        } catch (DroolsParserException e) {
            throw new IllegalStateException("a compiled rule file no longer parses: " + s.name(), e);
        }
        if (pd == null || parser.hasErrors()) {
            throw new IllegalStateException("a compiled rule file no longer parses: " + s.name() + ": " + parser.getErrors());
        }
        Map<RuleKey, String> rules = new LinkedHashMap<>();
        for (RuleDescr r : pd.getRules()) {
            rules.put(new RuleKey(pd.getName(), r.getName()), text(s, r));
        }
        Map<String, Definition> defs = new LinkedHashMap<>();
        String pkg = pd.getName() + ".";
        pd.getTypeDeclarations().forEach(t -> defs.put("declared type " + pkg + t.getTypeName(), def(s, t)));
        pd.getEnumDeclarations().forEach(t -> defs.put("declared enum " + pkg + t.getTypeName(), def(s, t)));
        pd.getFunctions().forEach(f -> defs.put("function " + pkg + f.getName(), def(s, f)));
        return new Parsed(s, pd, rules, defs);
    }

    private static Definition def(RuleSource s, BaseDescr d) {
        return new Definition(text(s, d), s.name() + ":" + d.getLine());
    }

    /** The descr's text, whitespace runs made one space: re-indenting a rule does not change it. */
    private static String text(RuleSource s, BaseDescr d) {
        int from = Math.max(0, d.getStartCharacter());
        int to = d.getEndCharacter() < from ? s.text().length() : Math.min(s.text().length(), d.getEndCharacter() + 1);
        return s.text().substring(from, to).replaceAll("\\s+", " ").trim();
    }

    /** Why the pack cannot replace the live one in place; empty when it can (mutable: the build may add a reason). */
    List<String> refusal() {
        return refusal;
    }

    /**
     * Every rule of the new pack that is to run (not turned off by the config), by file, ready for a KnowledgeBuilder
     * on the live KieBase; {@code skip} names rules to leave out (they failed on the facts in the session).
     */
    List<PackageDescr> wanted(Set<String> skip) {
        wanted.forEach(pd -> pd.getRules().removeIf(r -> skip.contains(r.getName())));
        return wanted;
    }

    /** The rules running now, as they were compiled: to put them back if the new ones fail to build. */
    List<PackageDescr> running() {
        return running;
    }

    /** True when rules must be added (new, changed or back); false when the reload only removes rules, or nothing. */
    boolean adds() {
        return !added.isEmpty() || !changed.isEmpty();
    }

    Set<String> added() {
        return added;
    }

    Set<String> changed() {
        return changed;
    }

    Set<String> removed() {
        return removed;
    }

    int unchanged() {
        return unchanged;
    }
}
