package io.tickfan.server.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Keeps {@code docs/configuration.md} in step with {@link ServerConfig#settings()}. */
class ConfigurationDocTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void shouldDocumentEverySetting() throws IOException {
        assertTrue(Files.isRegularFile(DOC), "missing " + DOC.toAbsolutePath().normalize());
        final String doc = Files.readString(DOC);
        final List<String> missing = ServerConfig.settings().stream()
                .map(Setting::key)
                .filter(key -> !doc.contains("`" + key + "`"))
                .collect(Collectors.toList());
        assertTrue(missing.isEmpty(), "docs/configuration.md does not mention (as `key`): " + missing);
    }
}
