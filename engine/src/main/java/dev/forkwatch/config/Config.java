package dev.forkwatch.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.forkwatch.event.Text;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The YAML configuration, flattened to dotted keys ("vfork.stall_threshold"). Every key is checked against
 * {@link ConfigSchema}: an unknown key or a value of the wrong type is a {@link ConfigException} naming the
 * file, line and key. A user file is laid over the embedded default (rules/forkwatch.yaml).
 */
public final class Config {
    public static final String DEFAULT_RESOURCE = "/forkwatch/rules/forkwatch.yaml";
    /** The largest config file read (bytes); the embedded default is ~4 KiB. */
    public static final int MAX_FILE_BYTES = 1 << 20;
    /** The deepest nesting of mappings and lists; the schema needs 4. */
    public static final int MAX_DEPTH = 16;
    private static final YAMLFactory YAML = yamlFactory();

    /** A value and where it was written. */
    public record Value(Object value, String origin) {
    }

    private final Map<String, Value> values;

    private Config(Map<String, Value> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** The embedded default configuration. */
    public static Config defaults() {
        try (InputStream in = Config.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("embedded default config " + DEFAULT_RESOURCE + " is missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "<embedded>/forkwatch.yaml");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read embedded default config", e);
        }
    }

    /** The defaults with the user's file laid over them. */
    public static Config load(Path file) {
        FileTrust.check(file, "config file");
        String text;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ConfigException(file + ": config file larger than " + MAX_FILE_BYTES + " bytes");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": config file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config file: " + e.getMessage());
        }
        return defaults().overlay(parse(text, file.toString()));
    }

    /** Parses YAML text; {@code name} is used in error messages. */
    public static Config parse(String yaml, String name) {
        Map<String, Value> out = new LinkedHashMap<>();
        try (Reader r = new StringReader(yaml); JsonParser p = YAML.createParser(r)) {
            rejectAnchors(yaml, name);
            JsonToken t = p.nextToken();
            if (t == null) {
                return new Config(out); // empty file: all defaults
            }
            if (t != JsonToken.START_OBJECT) {
                throw new ConfigException(where(name, p.currentTokenLocation()) + "the config must be a mapping of keys");
            }
            checkDepth(p, name);
            walkObject(p, "", name, out);
        } catch (ConfigException e) {
            throw e;
        } catch (IOException e) {
            String loc = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe && jpe.getLocation() != null
                    ? where(name, jpe.getLocation()) : name + ": ";
            throw new ConfigException(loc + "not valid YAML: " + firstLine(e.getMessage()));
        } catch (org.yaml.snakeyaml.error.MarkedYAMLException e) {
            var mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String loc = mark == null ? name + ": " : name + ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1) + ": ";
            throw new ConfigException(loc + "not valid YAML: " + firstLine(e.getContext() != null ? e.getContext() : e.getProblem()));
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            throw new ConfigException(name + ": not valid YAML: " + firstLine(e.getMessage()));
        }
        return new Config(out);
    }

    /**
     * YAML as the config needs it: duplicate keys are errors (STRICT_DUPLICATE_DETECTION), and the parser's own
     * limits sit just above ours, so that our messages come first: size, nesting.
     */
    private static YAMLFactory yamlFactory() {
        org.yaml.snakeyaml.LoaderOptions lo = new org.yaml.snakeyaml.LoaderOptions();
        lo.setCodePointLimit(MAX_FILE_BYTES + 1);
        lo.setNestingDepthLimit(MAX_DEPTH + 1);
        lo.setAllowDuplicateKeys(false);
        return YAMLFactory.builder().loaderOptions(lo)
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /**
     * Anchors and aliases are refused: Jackson reads an alias as its anchor's name (`*h` as "h") and drops
     * anchors on plain values, so they cannot be supported faithfully. A first pass over SnakeYAML's events
     * (linear, like the second) finds both with their line.
     */
    private static void rejectAnchors(String yaml, String name) {
        org.yaml.snakeyaml.LoaderOptions lo = new org.yaml.snakeyaml.LoaderOptions();
        lo.setCodePointLimit(MAX_FILE_BYTES + 1);
        lo.setNestingDepthLimit(MAX_DEPTH + 1);
        var events = new org.yaml.snakeyaml.parser.ParserImpl(new org.yaml.snakeyaml.reader.StreamReader(yaml), lo);
        while (events.peekEvent() != null) {
            org.yaml.snakeyaml.events.Event e = events.getEvent();
            if (e instanceof org.yaml.snakeyaml.events.NodeEvent n && n.getAnchor() != null) {
                var mark = e.getStartMark();
                throw new ConfigException(name + ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1) + ": YAML "
                        + "anchors and aliases (&name, *name) are not supported in the config: write the value out");
            }
            if (e instanceof org.yaml.snakeyaml.events.StreamEndEvent) {
                break;
            }
        }
    }

    /** Mappings and lists nest at most {@link #MAX_DEPTH} deep. */
    private static void checkDepth(JsonParser p, String name) {
        if (p.getParsingContext().getNestingDepth() > MAX_DEPTH) {
            throw new ConfigException(where(name, p.currentTokenLocation()) + "nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private static void walkObject(JsonParser p, String prefix, String name, Map<String, Value> out) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = prefix + p.currentName();
            JsonLocation keyLoc = p.currentTokenLocation();
            JsonToken v = p.nextToken();
            checkDepth(p, name);
            ConfigSchema.Kind kind = ConfigSchema.kindOf(key);
            if (v == JsonToken.START_OBJECT) {
                if (kind != null && kind != ConfigSchema.Kind.SECTION && kind != ConfigSchema.Kind.PARAM) {
                    throw new ConfigException(where(name, keyLoc) + key + ": expected " + kind.describe() + ", got a mapping");
                }
                if (kind == null && !ConfigSchema.isSectionOrOpen(key)) {
                    throw new ConfigException(where(name, keyLoc) + "unknown key '" + ConfigSchema.shown(key) + "'" + ConfigSchema.hint(key));
                }
                walkObject(p, key + ".", name, out);
                continue;
            }
            if (kind == null) {
                throw new ConfigException(where(name, keyLoc) + "unknown key '" + ConfigSchema.shown(key) + "'" + ConfigSchema.hint(key));
            }
            if (kind == ConfigSchema.Kind.SECTION) {
                if (v == JsonToken.VALUE_NULL) {
                    continue; // an empty section
                }
                throw new ConfigException(where(name, keyLoc) + key + ": expected a mapping");
            }
            Object raw;
            if (v == JsonToken.START_ARRAY) {
                List<String> list = new ArrayList<>();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    checkDepth(p, name);
                    if (e == JsonToken.START_OBJECT || e == JsonToken.START_ARRAY) {
                        throw new ConfigException(where(name, p.currentTokenLocation()) + key + ": list items must be plain values");
                    }
                    list.add(p.getText());
                }
                raw = list;
            } else if (v == JsonToken.VALUE_NULL) {
                raw = null;
            } else {
                raw = p.getText();
            }
            String origin = name + ":" + keyLoc.getLineNr();
            out.put(key, new Value(convert(kind, key, raw, where(name, keyLoc)), origin));
        }
    }

    private static Object convert(ConfigSchema.Kind kind, String key, Object raw, String where) {
        try {
            return kind.convert(raw);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + key + ": " + e.getMessage());
        }
    }

    private static String where(String name, JsonLocation loc) {
        return name + ":" + loc.getLineNr() + ":" + loc.getColumnNr() + ": ";
    }

    /** A parser's message as ours quotes it: its first line, bounded and escaped (it may quote the input). */
    private static String firstLine(String s) {
        int i = s == null ? -1 : s.indexOf('\n');
        return Text.shown(i < 0 ? String.valueOf(s) : s.substring(0, i), 200);
    }

    /** This config with {@code over}'s keys replacing ours. */
    public Config overlay(Config over) {
        Map<String, Value> m = new LinkedHashMap<>(values);
        m.putAll(over.values);
        return new Config(m);
    }

    /** A copy with one key set (command-line options). */
    public Config with(String key, Object value, String origin) {
        ConfigSchema.Kind kind = ConfigSchema.kindOf(key);
        if (kind == null) {
            throw new IllegalArgumentException("unknown config key " + key);
        }
        Map<String, Value> m = new LinkedHashMap<>(values);
        m.put(key, new Value(value, origin));
        return new Config(m);
    }

    /**
     * A copy with one key set from text (a command-line option), converted and checked by the key's schema type
     * exactly as the YAML value would be; a bad value is a {@link ConfigException} naming {@code origin}.
     */
    public Config withText(String key, String text, String origin) {
        ConfigSchema.Kind kind = ConfigSchema.kindOf(key);
        if (kind == null) {
            throw new IllegalArgumentException("unknown config key " + key);
        }
        return with(key, convert(kind, origin, text, ""), origin);
    }

    public boolean has(String key) {
        return values.containsKey(key) && values.get(key).value() != null;
    }

    public Object get(String key) {
        Value v = values.get(key);
        return v == null ? null : v.value();
    }

    /** The keys whose value differs between this config and {@code other} (set in one only, or to another value). */
    public SortedSet<String> changedKeys(Config other) {
        SortedSet<String> out = new TreeSet<>(values.keySet());
        out.addAll(other.values.keySet());
        out.removeIf(k -> Objects.equals(get(k), other.get(k)));
        return out;
    }

    /** Where a key was set ("file:line"), or null. */
    public String origin(String key) {
        Value v = values.get(key);
        return v == null ? null : v.origin();
    }

    public String string(String key) {
        Object o = get(key);
        return o == null ? null : o.toString();
    }

    public long integer(String key) {
        return ((Number) require(key)).longValue();
    }

    public boolean bool(String key) {
        Object o = get(key);
        return o != null && (Boolean) o;
    }

    /** A duration in nanoseconds. */
    public long nanos(String key) {
        return (Long) require(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> list(String key) {
        Object o = get(key);
        return o == null ? List.of() : (List<String>) o;
    }

    /** All keys below a prefix ("outputs.webhook.headers."), with the prefix removed. */
    public Map<String, String> section(String prefix) {
        Map<String, String> m = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix) && v.value() != null) {
                m.put(k.substring(prefix.length()), v.value().toString());
            }
        });
        return m;
    }

    /** Rule parameters (the "params:" section) by dotted name without the "params." prefix. */
    public Map<String, Value> params() {
        Map<String, Value> m = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(ConfigSchema.PARAMS)) {
                m.put(k.substring(ConfigSchema.PARAMS.length()), v);
            }
        });
        return m;
    }

    private Object require(String key) {
        Object o = get(key);
        if (o == null) {
            throw new ConfigException("config key '" + key + "' has no value");
        }
        return o;
    }
}
