package io.tickfan.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseEventParserTest {
    private final List<String> events = new ArrayList<>();
    private final SseEventParser parser = new SseEventParser((tick, data, length) ->
            events.add((tick ? "tick:" : "other:") + new String(data, 0, length, StandardCharsets.UTF_8)));

    private void feed(String text) {
        final ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            parser.feed(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void shouldParseTickEventsSplitAnywhereAcrossReads() {
        final String stream = "retry: 2000\n\nid: e1-41\nevent: tick\ndata: {\"a\":1}\n\n: hb\n\nid: e1-42\n\r\n"
                + "id: e1-43\nevent: tick\ndata: {\"b\":2}\r\n\r\n";
        for (int cut = 0; cut <= stream.length(); cut++) {
            events.clear();
            feed(stream.substring(0, cut));
            feed(stream.substring(cut));
            assertEquals(List.of("tick:{\"a\":1}", "tick:{\"b\":2}"), events, "cut at " + cut);
            assertEquals("e1-43", parser.lastEventId());
        }
    }

    @Test
    void shouldJoinDataLinesAndFlagOtherEvents() {
        feed("event: notice\ndata: one\ndata: two\n\n");
        assertEquals(List.of("other:one\ntwo"), events);
    }
}
