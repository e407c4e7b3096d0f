package io.tickfan.protocol;

/**
 * Bounds the decoder enforces on one client message. The server builds one from its
 * configuration; {@link #DEFAULTS} holds the documented defaults.
 *
 * @param maxSymbolsPerMessage most symbols in one subscribe or unsubscribe
 * @param maxTicksPerPublish most ticks in one publish batch
 * @param maxIdLength longest client {@code id}, in characters
 * @param maxTokenLength longest token in a {@code refresh}
 */
public record ProtocolLimits(int maxSymbolsPerMessage, int maxTicksPerPublish, int maxIdLength, int maxTokenLength) {
    public static final ProtocolLimits DEFAULTS = new ProtocolLimits(500, 1000, 64, 8192);
}
