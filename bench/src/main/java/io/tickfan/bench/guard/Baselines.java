package io.tickfan.bench.guard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The committed expectations ({@code bench/baselines.json}): per benchmark, its score as a ratio to
 * the calibration benchmark of the same run, and the most it may allocate per operation.
 *
 * <pre>
 * {
 *   "calibration": "CalibrationBench.calibrate",
 *   "tolerance": 1.6,
 *   "benchmarks": {
 *     "TickEncodeBench.json": {"ratio": 1.31, "maxAllocBytesPerOp": 1.0},
 *     "EndToEndBench.publishToChannels[subscribers=1]": {"ratio": null, "note": "thread wake-ups; reported only"}
 *   }
 * }
 * </pre>
 *
 * A benchmark fails when its ratio exceeds {@code ratio * tolerance} or its allocation exceeds
 * {@code maxAllocBytesPerOp}; a null ratio or budget means that check is not made (the reason is
 * in {@code note}).
 */
public record Baselines(String calibration, double tolerance, Map<String, Entry> benchmarks) {
    private static final JsonFactory JSON = new JsonFactory();

    /** Expectations of one benchmark; nulls mean "not checked". */
    public record Entry(Double ratio, Double maxAllocBytesPerOp, String note) {
        public Entry withRatio(Double newRatio) {
            return new Entry(newRatio, maxAllocBytesPerOp, note);
        }
    }

    public static Baselines read(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                JsonParser p = JSON.createParser(in)) {
            String calibration = null;
            double tolerance = Double.NaN;
            final Map<String, Entry> benchmarks = new TreeMap<>();
            expect(p.nextToken(), JsonToken.START_OBJECT, p);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "calibration" -> calibration = p.getText();
                    case "tolerance" -> tolerance = p.getDoubleValue();
                    case "benchmarks" -> {
                        expect(p.currentToken(), JsonToken.START_OBJECT, p);
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            final String key = p.currentName();
                            p.nextToken();
                            benchmarks.put(key, entry(p));
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (calibration == null || Double.isNaN(tolerance)) {
                throw new IOException(file + ": \"calibration\" and \"tolerance\" are required");
            }
            return new Baselines(calibration, tolerance, benchmarks);
        }
    }

    private static Entry entry(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.START_OBJECT, p);
        Double ratio = null;
        Double maxAlloc = null;
        String note = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String name = p.currentName();
            final JsonToken value = p.nextToken();
            switch (name) {
                case "ratio" -> ratio = value == JsonToken.VALUE_NULL ? null : p.getDoubleValue();
                case "maxAllocBytesPerOp" -> maxAlloc = value == JsonToken.VALUE_NULL ? null : p.getDoubleValue();
                case "note" -> note = value == JsonToken.VALUE_NULL ? null : p.getText();
                default -> p.skipChildren();
            }
        }
        return new Entry(ratio, maxAlloc, note);
    }

    private static void expect(JsonToken actual, JsonToken expected, JsonParser p) throws IOException {
        if (actual != expected) {
            throw new IOException("expected " + expected + " at " + p.currentLocation() + ", found " + actual);
        }
    }

    public void write(Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                JsonGenerator g = JSON.createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeStringField("calibration", calibration);
            g.writeNumberField("tolerance", tolerance);
            g.writeObjectFieldStart("benchmarks");
            for (Map.Entry<String, Entry> e : new TreeMap<>(benchmarks).entrySet()) {
                final Entry v = e.getValue();
                g.writeObjectFieldStart(e.getKey());
                if (v.ratio() == null) {
                    g.writeNullField("ratio");
                } else {
                    g.writeNumberField("ratio", Math.round(v.ratio() * 1000) / 1000.0);
                }
                if (v.maxAllocBytesPerOp() != null) {
                    g.writeNumberField("maxAllocBytesPerOp", v.maxAllocBytesPerOp());
                }
                if (v.note() != null) {
                    g.writeStringField("note", v.note());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }
}
