package io.tickfan.loadgen;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * The outputs of a run: a JSON report (a tree of maps, lists, numbers and strings), a
 * self-contained HTML page with SVG charts (no scripts, no network), and summary helpers.
 */
final class Report {
    private static final JsonFactory JSON = new JsonFactory();

    private Report() {}

    /** Latency percentiles of {@code h} in milliseconds. */
    static Map<String, Object> latency(Histogram h) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        if (h.getTotalCount() == 0) {
            return m;
        }
        m.put("p50_ms", Sampler.ms(h.getValueAtPercentile(50)));
        m.put("p90_ms", Sampler.ms(h.getValueAtPercentile(90)));
        m.put("p99_ms", Sampler.ms(h.getValueAtPercentile(99)));
        m.put("p99_9_ms", Sampler.ms(h.getValueAtPercentile(99.9)));
        m.put("p99_99_ms", Sampler.ms(h.getValueAtPercentile(99.99)));
        m.put("max_ms", Sampler.ms(h.getMaxValue()));
        m.put("mean_ms", h.getMean() / 1e6);
        return m;
    }

    static String latencyLine(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "no measured ticks";
        }
        return String.format(
                Locale.ROOT,
                "p50 %s  p90 %s  p99 %s  p99.9 %s  p99.99 %s  max %s  (n=%,d)",
                fmtMs(h.getValueAtPercentile(50)),
                fmtMs(h.getValueAtPercentile(90)),
                fmtMs(h.getValueAtPercentile(99)),
                fmtMs(h.getValueAtPercentile(99.9)),
                fmtMs(h.getValueAtPercentile(99.99)),
                fmtMs(h.getMaxValue()),
                h.getTotalCount());
    }

    static String fmtMs(long ns) {
        return ns >= 10_000_000
                ? String.format(Locale.ROOT, "%.1f ms", ns / 1e6)
                : String.format(Locale.ROOT, "%.3f ms", ns / 1e6);
    }

    static List<Map<String, Object>> series(List<Sampler.Sample> samples) {
        final List<Map<String, Object>> out = new ArrayList<>(samples.size());
        for (Sampler.Sample s : samples) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("t_s", s.tSec());
            m.put("open", s.open());
            m.put("opens", s.opens());
            m.put("connect_failures", s.connectFailures());
            m.put("rejects", s.rejects());
            m.put("live", s.live());
            m.put("gaps", s.gaps());
            m.put("count", s.count());
            m.put("p50_ms", s.p50Ms());
            m.put("p99_ms", s.p99Ms());
            m.put("p99_9_ms", s.p999Ms());
            m.put("max_ms", s.maxMs());
            m.put("loadgen_cpu_s", s.loadgenCpuSec());
            m.put("server_cpu_s", s.serverCpuSec());
            out.add(m);
        }
        return out;
    }

    static void writeJson(Path file, Map<String, Object> report) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                JsonGenerator g = JSON.createGenerator(w)) {
            g.useDefaultPrettyPrinter();
            write(g, report);
        }
    }

    private static void write(JsonGenerator g, Object value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (value instanceof List<?> list) {
            g.writeStartArray();
            for (Object o : list) {
                write(g, o);
            }
            g.writeEndArray();
        } else if (value instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                g.writeNull();
            } else {
                g.writeNumber(Math.round(d * 1000.0) / 1000.0);
            }
        } else if (value instanceof Number n) {
            g.writeNumber(n.longValue());
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else {
            g.writeString(value.toString());
        }
    }

    /** A page with the latency chart, and for storms the connected-clients chart, plus the text summary. */
    static void writeHtml(Path file, String title, List<Sampler.Sample> samples, boolean storm, String summary)
            throws IOException {
        final StringBuilder b = new StringBuilder(16 * 1024);
        b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
                .append(escape(title))
                .append("</title><style>body{font:14px sans-serif;margin:24px}pre{background:#f4f4f4;padding:12px}"
                        + "svg{border:1px solid #ccc;background:#fff}.k span{margin-right:14px}</style></head><body>");
        b.append("<h1>").append(escape(title)).append("</h1>");
        if (storm) {
            b.append("<h2>Connected clients and connects per second</h2>");
            chart(
                    b,
                    samples,
                    new String[] {"open clients", "connects/s"},
                    new String[] {"#1f77b4", "#d62728"},
                    List.of(s -> s.open(), connectsPerSecond(samples)),
                    "clients");
        }
        b.append("<h2>Tick latency per interval (receive time - intended send time)</h2>");
        chart(
                b,
                samples,
                new String[] {"p50", "p90", "p99", "p99.9", "max"},
                new String[] {"#2ca02c", "#1f77b4", "#ff7f0e", "#d62728", "#7f7f7f"},
                List.of(
                        Sampler.Sample::p50Ms,
                        Sampler.Sample::p90Ms,
                        Sampler.Sample::p99Ms,
                        Sampler.Sample::p999Ms,
                        Sampler.Sample::maxMs),
                "ms");
        b.append("<h2>Summary</h2><pre>").append(escape(summary)).append("</pre></body></html>\n");
        Files.writeString(file, b, StandardCharsets.UTF_8);
    }

    private static ToDoubleFunction<Sampler.Sample> connectsPerSecond(List<Sampler.Sample> samples) {
        final Map<Sampler.Sample, Double> rate = new java.util.IdentityHashMap<>();
        Sampler.Sample prev = null;
        for (Sampler.Sample s : samples) {
            final double dt = prev == null ? s.tSec() : s.tSec() - prev.tSec();
            final long d = prev == null ? s.opens() : s.opens() - prev.opens();
            rate.put(s, dt > 0 ? d / dt : 0);
            prev = s;
        }
        return s -> rate.getOrDefault(s, 0.0);
    }

    private static void chart(
            StringBuilder b,
            List<Sampler.Sample> samples,
            String[] names,
            String[] colors,
            List<ToDoubleFunction<Sampler.Sample>> series,
            String unit) {
        final int w = 900;
        final int h = 320;
        final int left = 70;
        final int bottom = 30;
        final int top = 10;
        final double tMax = samples.isEmpty()
                ? 1
                : Math.max(1e-3, samples.get(samples.size() - 1).tSec());
        double yMax = 0;
        for (ToDoubleFunction<Sampler.Sample> f : series) {
            for (Sampler.Sample s : samples) {
                final double v = f.applyAsDouble(s);
                if (!Double.isNaN(v)) {
                    yMax = Math.max(yMax, v);
                }
            }
        }
        yMax = yMax <= 0 ? 1 : yMax * 1.05;
        b.append("<div class=\"k\">");
        for (int i = 0; i < names.length; i++) {
            b.append("<span style=\"color:")
                    .append(colors[i])
                    .append("\">&#9632; ")
                    .append(names[i])
                    .append("</span>");
        }
        b.append("</div><svg width=\"")
                .append(w)
                .append("\" height=\"")
                .append(h)
                .append("\">");
        for (int i = 0; i <= 4; i++) {
            final double v = yMax * i / 4;
            final double y = top + (h - top - bottom) * (1 - i / 4.0);
            b.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                            + "<text x=\"4\" y=\"%.1f\" font-size=\"11\">%.3g %s</text>",
                    left,
                    w,
                    y,
                    y,
                    y + 4,
                    v,
                    unit));
        }
        b.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" font-size=\"11\">0 s</text><text x=\"%d\" y=\"%d\" font-size=\"11\">%.1f s</text>",
                left,
                h - 8,
                w - 50,
                h - 8,
                tMax));
        for (int i = 0; i < series.size(); i++) {
            b.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"")
                    .append(colors[i])
                    .append("\" points=\"");
            for (Sampler.Sample s : samples) {
                final double v = series.get(i).applyAsDouble(s);
                if (Double.isNaN(v)) {
                    continue;
                }
                final double x = left + (w - left - 10) * s.tSec() / tMax;
                final double y = top + (h - top - bottom) * (1 - v / yMax);
                b.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            b.append("\"/>");
        }
        b.append("</svg>");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
