package io.tickfan.loadgen;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a report.json into maps and lists (jackson-core only), and walks dotted paths in it. */
final class Json {
    private final Map<String, Object> root;

    private Json(Map<String, Object> root) {
        this.root = root;
    }

    @SuppressWarnings("unchecked")
    static Json read(Path file) throws IOException {
        try (JsonParser p = new JsonFactory().createParser(Files.readAllBytes(file))) {
            p.nextToken();
            return new Json((Map<String, Object>) value(p));
        }
    }

    private static Object value(JsonParser p) throws IOException {
        final JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                final Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    final String name = p.currentName();
                    p.nextToken();
                    m.put(name, value(p));
                }
                return m;
            }
            case START_ARRAY -> {
                final List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return p.getBooleanValue();
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> {
                return p.getText();
            }
        }
    }

    @SuppressWarnings("unchecked")
    Object get(String path) {
        Object at = root;
        for (String part : path.split("\\.")) {
            if (!(at instanceof Map<?, ?> m) || !m.containsKey(part)) {
                throw new AssertionError("no " + path + " in report: " + root);
            }
            at = ((Map<String, Object>) m).get(part);
        }
        return at;
    }

    double num(String path) {
        final Object v = get(path);
        if (!(v instanceof Double d)) {
            throw new AssertionError(path + " is not a number: " + v);
        }
        return d;
    }

    long count(String path) {
        return (long) num(path);
    }

    boolean isNull(String path) {
        return get(path) == null;
    }
}
