package io.tickfan.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Decodes server messages on the client side (Java client, loadgen, tests). Not thread-safe: one
 * instance per reading thread, since it interns symbols in a small cache to avoid a string per
 * tick.
 */
public final class ServerMessageDecoder {
    private static final JsonFactory JSON = new JsonFactory();

    private final java.util.HashMap<String, String> symbolCache = new java.util.HashMap<>();

    /**
     * Decodes {@code length} bytes at {@code offset} into {@code out}.
     *
     * @throws ProtocolException with {@link ErrorCode#BAD_JSON} if the text is not a valid message
     */
    public ServerMessage decode(byte[] json, int offset, int length, ServerMessage out) throws ProtocolException {
        out.clear();
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException(ErrorCode.BAD_JSON, "not a JSON object", null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                p.nextToken();
                field(p, name, out);
            }
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "malformed JSON", null);
        }
        return out;
    }

    private void field(JsonParser p, String name, ServerMessage out) throws IOException {
        final Tick t = out.tick;
        switch (name) {
            case "type" -> out.type = type(p.getText());
            case "id" -> out.id = p.getText();
            case "op" -> out.op = p.getText();
            case "epoch" -> out.epoch = p.getText();
            case "code" -> out.code = p.getText();
            case "message" -> out.message = p.getText();
            case "sym" -> t.symbol = symbolCache.computeIfAbsent(p.getText(), s -> s);
            case "seq" -> t.seq = p.getLongValue();
            case "ts" -> {
                t.exchangeTimeNs = p.getLongValue();
                out.serverTimeNs = t.exchangeTimeNs;
            }
            case "ingest" -> t.ingestTimeNs = p.getLongValue();
            case "bid" -> t.bid = decimal(p, t, Tick.BID);
            case "ask" -> t.ask = decimal(p, t, Tick.ASK);
            case "bsz" -> t.bidSize = decimal(p, t, Tick.BID_SIZE);
            case "asz" -> t.askSize = decimal(p, t, Tick.ASK_SIZE);
            case "last" -> t.last = decimal(p, t, Tick.LAST);
            case "lsz" -> t.lastSize = decimal(p, t, Tick.LAST_SIZE);
            case "snap" -> t.flags |= p.getValueAsBoolean() ? Tick.FLAG_SNAPSHOT : 0;
            case "reset" -> t.flags |= p.getValueAsBoolean() ? Tick.FLAG_RESET : 0;
            case "cf" -> t.flags |= p.getValueAsBoolean() ? Tick.FLAG_CONFLATED : 0;
            default -> p.skipChildren();
        }
    }

    private static long decimal(JsonParser p, Tick t, int field) throws IOException {
        t.fieldMask |= field;
        return Decimals.parse(p.getText());
    }

    private static ServerMessage.Type type(String type) {
        return switch (type) {
            case "tick" -> ServerMessage.Type.TICK;
            case "ack" -> ServerMessage.Type.ACK;
            case "error" -> ServerMessage.Type.ERROR;
            case "pong" -> ServerMessage.Type.PONG;
            default -> ServerMessage.Type.OTHER;
        };
    }
}
