package io.tickfan.server.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the top-level scalar fields of a small JSON object (HTTP error bodies), failing on anything else. */
public final class Json {
    private static final JsonFactory JSON = new JsonFactory();

    private Json() {}

    public static Map<String, String> fields(String json) {
        final Map<String, String> fields = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new AssertionError("not a JSON object: " + json);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                p.nextToken();
                fields.put(name, p.getValueAsString());
                p.skipChildren();
            }
            if (p.nextToken() != null) {
                throw new AssertionError("trailing data after the JSON object: " + json);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("not valid JSON: " + json, e);
        }
        return fields;
    }
}
