package io.tickfan.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes one client JSON message. Unknown fields are ignored (forward compatibility); a wrong
 * type, an unknown op, a bad symbol or a limit breach is a {@link ProtocolException} carrying the
 * error code for the reply. Thread-safe: holds only the shared, immutable parser factory.
 *
 * <p>Decoding allocates (strings, lists): client messages are not the per-delivery hot path.
 */
public final class ClientMessageDecoder {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(8)
                    .maxNumberLength(40)
                    .maxStringLength(16_384)
                    .build())
            .build();

    private final ProtocolLimits limits;

    public ClientMessageDecoder(ProtocolLimits limits) {
        this.limits = limits;
    }

    /** Decodes {@code length} bytes of UTF-8 JSON at {@code offset}. */
    public ClientMessage decode(byte[] json, int offset, int length) throws ProtocolException {
        final Fields f = new Fields();
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException(ErrorCode.BAD_JSON, "message must be a JSON object", null);
            }
            readFields(p, f);
            if (p.nextToken() != null) {
                throw new ProtocolException(ErrorCode.BAD_JSON, "trailing data after the message", f.id);
            }
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "malformed JSON", f.id);
        }
        return build(f);
    }

    private static final class Fields {
        String op;
        String id;
        List<String> symbols;
        Map<String, Long> since;
        String epoch;
        int maxHz;
        List<Tick> ticks;
        String token;
    }

    private void readFields(JsonParser p, Fields f) throws IOException, ProtocolException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String name = p.currentName();
            final JsonToken value = p.nextToken();
            switch (name) {
                case "op" -> f.op = string(p, value, name, f);
                case "id" -> f.id = boundedId(p, value, f);
                case "symbols" -> f.symbols = symbols(p, value, f);
                case "since" -> f.since = since(p, value, f);
                case "epoch" -> f.epoch = string(p, value, name, f);
                case "maxHz" -> f.maxHz = maxHz(p, value, f);
                case "ticks" -> f.ticks = ticks(p, value, f);
                case "token" -> f.token = token(p, value, f);
                default -> p.skipChildren();
            }
        }
    }

    private ClientMessage build(Fields f) throws ProtocolException {
        if (f.op == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_OP, "missing \"op\"", f.id);
        }
        final ClientMessage.Op op = ClientMessage.Op.fromWire(f.op);
        if (op == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_OP, "unknown op", f.id);
        }
        switch (op) {
            case SUBSCRIBE, UNSUBSCRIBE -> {
                if (f.symbols == null || f.symbols.isEmpty()) {
                    throw new ProtocolException(ErrorCode.BAD_SYMBOL, "\"symbols\" must be a non-empty array", f.id);
                }
                final long[] since = new long[f.symbols.size()];
                Arrays.fill(since, ClientMessage.NO_SINCE);
                if (f.since != null) {
                    for (int i = 0; i < since.length; i++) {
                        final Long seq = f.since.get(f.symbols.get(i));
                        if (seq != null) {
                            since[i] = seq;
                        }
                    }
                }
                return new ClientMessage(op, f.id, f.symbols, since, f.epoch, f.maxHz, null, null);
            }
            case PUBLISH -> {
                if (f.ticks == null || f.ticks.isEmpty()) {
                    throw new ProtocolException(ErrorCode.BAD_TICK, "\"ticks\" must be a non-empty array", f.id);
                }
                return new ClientMessage(op, f.id, null, null, null, 0, f.ticks, null);
            }
            case REFRESH -> {
                if (f.token == null || f.token.isEmpty()) {
                    throw new ProtocolException(ErrorCode.BAD_JSON, "\"token\" is required", f.id);
                }
                return new ClientMessage(op, f.id, null, null, null, 0, null, f.token);
            }
            default -> {
                return new ClientMessage(op, f.id, null, null, null, 0, null, null);
            }
        }
    }

    private static String string(JsonParser p, JsonToken value, String name, Fields f)
            throws IOException, ProtocolException {
        if (value != JsonToken.VALUE_STRING) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "\"" + name + "\" must be a string", f.id);
        }
        return p.getText();
    }

    private String boundedId(JsonParser p, JsonToken value, Fields f) throws IOException, ProtocolException {
        final String id;
        if (value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NUMBER_INT) {
            id = p.getText();
        } else {
            throw new ProtocolException(ErrorCode.BAD_JSON, "\"id\" must be a string or integer", null);
        }
        if (id.length() > limits.maxIdLength()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "\"id\" longer than " + limits.maxIdLength(), null);
        }
        return id;
    }

    private String token(JsonParser p, JsonToken value, Fields f) throws IOException, ProtocolException {
        final String token = string(p, value, "token", f);
        if (token.length() > limits.maxTokenLength()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "\"token\" too long", f.id);
        }
        return token;
    }

    private static int maxHz(JsonParser p, JsonToken value, Fields f) throws IOException, ProtocolException {
        if (value != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0 || p.getLongValue() > 1_000_000) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "\"maxHz\" must be an integer from 0 to 1000000", f.id);
        }
        return p.getIntValue();
    }

    private List<String> symbols(JsonParser p, JsonToken value, Fields f) throws IOException, ProtocolException {
        if (value != JsonToken.START_ARRAY) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "\"symbols\" must be an array of strings", f.id);
        }
        final List<String> symbols = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING) {
                throw new ProtocolException(ErrorCode.BAD_JSON, "\"symbols\" must be an array of strings", f.id);
            }
            if (symbols.size() == limits.maxSymbolsPerMessage()) {
                throw new ProtocolException(
                        ErrorCode.TOO_MANY_SYMBOLS,
                        "more than " + limits.maxSymbolsPerMessage() + " symbols in one message",
                        f.id);
            }
            final String symbol = p.getText();
            if (!Symbols.isValid(symbol)) {
                throw new ProtocolException(ErrorCode.BAD_SYMBOL, "invalid symbol", f.id);
            }
            if (!symbols.contains(symbol)) {
                symbols.add(symbol);
            }
        }
        return symbols;
    }

    private Map<String, Long> since(JsonParser p, JsonToken value, Fields f) throws IOException, ProtocolException {
        if (value != JsonToken.START_OBJECT) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "\"since\" must be an object of symbol to seq", f.id);
        }
        final Map<String, Long> since = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String symbol = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_NUMBER_INT
                    || p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG
                    || p.getLongValue() < 0) {
                throw new ProtocolException(ErrorCode.BAD_JSON, "\"since\" values must be non-negative integers", f.id);
            }
            if (since.size() == limits.maxSymbolsPerMessage()) {
                throw new ProtocolException(ErrorCode.TOO_MANY_SYMBOLS, "too many \"since\" entries", f.id);
            }
            since.put(symbol, p.getLongValue());
        }
        return since;
    }

    private List<Tick> ticks(JsonParser p, JsonToken value, Fields f) throws IOException, ProtocolException {
        if (value != JsonToken.START_ARRAY) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "\"ticks\" must be an array of objects", f.id);
        }
        final List<Tick> ticks = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
                throw new ProtocolException(ErrorCode.BAD_TICK, "each tick must be an object", f.id);
            }
            if (ticks.size() == limits.maxTicksPerPublish()) {
                throw new ProtocolException(
                        ErrorCode.BAD_TICK, "more than " + limits.maxTicksPerPublish() + " ticks in one publish", f.id);
            }
            ticks.add(tick(p, f));
        }
        return ticks;
    }

    private static Tick tick(JsonParser p, Fields f) throws IOException, ProtocolException {
        final Tick tick = new Tick();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String name = p.currentName();
            final JsonToken value = p.nextToken();
            switch (name) {
                case "sym" -> {
                    if (value != JsonToken.VALUE_STRING || !Symbols.isValid(p.getText())) {
                        throw new ProtocolException(ErrorCode.BAD_SYMBOL, "tick has an invalid \"sym\"", f.id);
                    }
                    tick.symbol = p.getText();
                }
                case "seq" -> tick.seq = nonNegativeLong(p, value, name, f);
                case "ts" -> tick.exchangeTimeNs = nonNegativeLong(p, value, name, f);
                case "bid" -> tick.bid = decimal(p, value, tick, Tick.BID, name, f);
                case "ask" -> tick.ask = decimal(p, value, tick, Tick.ASK, name, f);
                case "bsz" -> tick.bidSize = decimal(p, value, tick, Tick.BID_SIZE, name, f);
                case "asz" -> tick.askSize = decimal(p, value, tick, Tick.ASK_SIZE, name, f);
                case "last" -> tick.last = decimal(p, value, tick, Tick.LAST, name, f);
                case "lsz" -> tick.lastSize = decimal(p, value, tick, Tick.LAST_SIZE, name, f);
                default -> p.skipChildren();
            }
        }
        if (tick.symbol == null) {
            throw new ProtocolException(ErrorCode.BAD_TICK, "tick without \"sym\"", f.id);
        }
        if (tick.fieldMask == 0) {
            throw new ProtocolException(ErrorCode.BAD_TICK, "tick carries no price or size", f.id);
        }
        return tick;
    }

    private static long nonNegativeLong(JsonParser p, JsonToken value, String name, Fields f)
            throws IOException, ProtocolException {
        if (value != JsonToken.VALUE_NUMBER_INT
                || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                || p.getLongValue() < 0) {
            throw new ProtocolException(
                    ErrorCode.BAD_TICK, "\"" + name + "\" must be a non-negative 64-bit integer", f.id);
        }
        return p.getLongValue();
    }

    private static long decimal(JsonParser p, JsonToken value, Tick tick, int field, String name, Fields f)
            throws IOException, ProtocolException {
        if (value != JsonToken.VALUE_NUMBER_INT
                && value != JsonToken.VALUE_NUMBER_FLOAT
                && value != JsonToken.VALUE_STRING) {
            throw new ProtocolException(ErrorCode.BAD_TICK, "\"" + name + "\" must be a decimal", f.id);
        }
        final long mantissa = Decimals.parse(p.getText());
        if (mantissa == Decimals.INVALID) {
            throw new ProtocolException(
                    ErrorCode.BAD_TICK, "\"" + name + "\" must be a plain decimal with at most 8 decimal places", f.id);
        }
        tick.fieldMask |= field;
        return mantissa;
    }
}
