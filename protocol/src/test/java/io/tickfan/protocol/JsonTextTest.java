package io.tickfan.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The control messages' writer against Jackson's default output, byte for byte. */
class JsonTextTest {
    private static final List<String> TRICKY = List.of(
            "",
            "plain",
            "quote \" and backslash \\ and slash /",
            "\n\r\t\b\f",
            "\u0000\u0001\u001f\u007f",
            "caf\u00e9 \u20ac \u2028 \u2029 \ud83d\ude00",
            "\ud800 lone surrogate",
            "\"",
            "\\");

    @Test
    void shouldWriteWhatJacksonWrites() throws IOException {
        for (String s : TRICKY) {
            final String ours = JsonText.object(w -> {
                w.writeStringField("id", s);
                w.writeNumberField("n", -42);
                w.writeArrayFieldStart("symbols");
                w.writeString(s);
                w.writeString("B");
                w.writeEndArray();
                w.writeObjectFieldStart("since");
                w.writeNumberField(s, Long.MAX_VALUE);
                w.writeNumberField("B", 0);
                w.writeEndObject();
                w.writeStringField("epoch", "e");
            });
            final StringWriter out = new StringWriter();
            try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("id", s);
                g.writeNumberField("n", -42);
                g.writeArrayFieldStart("symbols");
                g.writeString(s);
                g.writeString("B");
                g.writeEndArray();
                g.writeObjectFieldStart("since");
                g.writeNumberField(s, Long.MAX_VALUE);
                g.writeNumberField("B", 0);
                g.writeEndObject();
                g.writeStringField("epoch", "e");
                g.writeEndObject();
            }
            assertEquals(out.toString(), ours, "for " + s);
        }
    }

    @Test
    void shouldWriteAnEmptyArrayAndAnEmptyObject() {
        assertEquals("{\"a\":[],\"b\":{},\"c\":\"d\"}", JsonText.object(w -> w.writeArrayFieldStart("a")
                .writeEndArray()
                .writeObjectFieldStart("b")
                .writeEndObject()
                .writeStringField("c", "d")));
        assertEquals("{}", JsonText.object(w -> {}));
    }
}
