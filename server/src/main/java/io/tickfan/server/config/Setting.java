package io.tickfan.server.config;

/**
 * One configuration key with its default and the sentence that documents it. Every bound the
 * server enforces is a {@code Setting}; {@code docs/configuration.md} lists them all (a test keeps
 * the two in step).
 *
 * @param key dotted name, e.g. {@code ws.maxFrameBytes}; flag {@code --ws.maxFrameBytes=N}, system
 *     property {@code tickfan.ws.maxFrameBytes}, environment {@code TICKFAN_WS_MAXFRAMEBYTES}
 * @param defaultValue the default, as text
 * @param description what it bounds or switches, for the docs
 */
public record Setting(String key, String defaultValue, String description) {
    /** The environment variable that sets this key. */
    public String envName() {
        return "TICKFAN_" + key.replace('.', '_').toUpperCase(java.util.Locale.ROOT);
    }
}
