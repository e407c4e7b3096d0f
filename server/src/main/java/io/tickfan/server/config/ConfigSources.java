package io.tickfan.server.config;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Layers the settings' sources, lowest precedence first: defaults, the config file ({@code
 * --config=FILE} or {@code TICKFAN_CONFIG}), environment, system properties, flags; and remembers
 * where each value came from, for {@code --print-config} and for error messages.
 *
 * <p>The file holds one {@code key=value} per line, {@code #} starts a comment line, the keys are
 * the flags' (decision 0008). An unknown or repeated key stops the start-up with the file and line.
 */
final class ConfigSources {
    static final String CONFIG_FLAG = "config";
    static final String CONFIG_ENV = "TICKFAN_CONFIG";

    private ConfigSources() {}

    /** Values by key and the source of each, both in documentation order. */
    record Resolved(Map<String, String> values, Map<String, String> sources) {}

    static Resolved resolve(List<Setting> settings, String[] args, Map<String, String> env, Properties props) {
        final Map<String, String> values = new LinkedHashMap<>();
        final Map<String, String> sources = new LinkedHashMap<>();
        for (Setting s : settings) {
            values.put(s.key(), s.defaultValue());
            sources.put(s.key(), "default");
        }
        final Map<String, String> flags = new LinkedHashMap<>();
        String configFile = env.get(CONFIG_ENV);
        String configSource = "env " + CONFIG_ENV;
        for (String arg : args) {
            final int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --key=value, got: " + arg);
            }
            final String key = arg.substring(2, eq);
            if (key.equals(CONFIG_FLAG)) {
                configFile = arg.substring(eq + 1);
                configSource = "flag --config";
                continue;
            }
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("unknown setting --" + key + " (see docs/configuration.md)");
            }
            flags.put(key, arg.substring(eq + 1));
        }
        if (configFile != null && !configFile.isEmpty()) {
            readFile(Path.of(configFile), configSource, values, sources);
        }
        for (Setting s : settings) {
            final String fromEnv = env.get(s.envName());
            if (fromEnv != null) {
                values.put(s.key(), fromEnv);
                sources.put(s.key(), "env " + s.envName());
            }
            final String fromProps = props.getProperty("tickfan." + s.key());
            if (fromProps != null) {
                values.put(s.key(), fromProps);
                sources.put(s.key(), "property tickfan." + s.key());
            }
        }
        flags.forEach((key, value) -> {
            values.put(key, value);
            sources.put(key, "flag --" + key);
        });
        return new Resolved(values, sources);
    }

    private static void readFile(Path file, String named, Map<String, String> values, Map<String, String> sources) {
        final List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("config file " + file + " (" + named + "): no such file");
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("config file " + file + " (" + named + ") cannot be read: "
                    + e.getClass().getSimpleName());
        }
        final Map<String, Integer> seen = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i).strip();
            final String where = file + ":" + (i + 1);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            final int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(where + ": expected key=value");
            }
            final String key = line.substring(0, eq).strip();
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException(where + ": unknown setting " + key + " (see docs/configuration.md)");
            }
            final Integer earlier = seen.put(key, i + 1);
            if (earlier != null) {
                throw new IllegalArgumentException(where + ": " + key + " already set on line " + earlier);
            }
            values.put(key, line.substring(eq + 1).strip());
            sources.put(key, "file " + where);
        }
    }

    /** Whether a setting's value must never be printed or logged. */
    static boolean isSecret(Setting s) {
        final String key = s.key().toLowerCase(Locale.ROOT);
        return key.contains("secret") || key.contains("password") || key.endsWith("token");
    }

    /** {@code value} fit to print: secrets as {@code <redacted>}, URIs without their user info. */
    static String redact(Setting s, String value) {
        if (value.isEmpty()) {
            return value;
        }
        if (isSecret(s)) {
            return "<redacted>";
        }
        if (!value.contains("@")) {
            return value;
        }
        final StringBuilder out = new StringBuilder();
        for (String part : value.split(",", -1)) {
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(redactUserInfo(part));
        }
        return out.toString();
    }

    private static String redactUserInfo(String part) {
        try {
            final URI uri = URI.create(part.strip());
            if (uri.getRawUserInfo() == null) {
                return part;
            }
            return part.replace(uri.getRawUserInfo() + "@", "<redacted>@");
        } catch (IllegalArgumentException e) {
            return "<redacted>";
        }
    }
}
