package io.tickfan.protocol;

/**
 * Encodes the server's control replies ({@code ack}, {@code error}, {@code pong}) as JSON text,
 * per request, never per tick ({@link JsonText} escapes the client's {@code id}).
 */
public final class ServerMessages {

    private ServerMessages() {}

    /** {@code {"type":"ack","id":..,"op":..,"epoch":..}}; {@code id} and {@code epoch} may be null. */
    public static String ack(String id, ClientMessage.Op op, String epoch) {
        return JsonText.object(g -> {
            g.writeStringField("type", "ack");
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeStringField("op", op.wireName());
            if (epoch != null) {
                g.writeStringField("epoch", epoch);
            }
        });
    }

    /** {@code {"type":"error","id":..,"code":..,"message":..}}; {@code id} may be null. */
    public static String error(String id, ErrorCode code, String message) {
        return JsonText.object(g -> {
            g.writeStringField("type", "error");
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeStringField("code", code.wireName());
            g.writeStringField("message", message);
        });
    }

    /** {@code {"type":"pong","id":..,"ts":serverEpochNs}}. */
    public static String pong(String id, long serverTimeNs) {
        return JsonText.object(g -> {
            g.writeStringField("type", "pong");
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeNumberField("ts", serverTimeNs);
        });
    }

    /** Writes the fields of one JSON object. */
}
