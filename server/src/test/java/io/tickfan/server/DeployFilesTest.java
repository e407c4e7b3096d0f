package io.tickfan.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.config.Setting;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Validates {@code deploy/}: every YAML file parses, every Kubernetes object names its kind, API
 * version and name, and the Deployment keeps its promises (probes on /ready and /health, a preStop
 * pause, a termination grace longer than {@code drain.windowMs}, a config file with known keys
 * only); the PodDisruptionBudget, Service, HPA and Redis are there; the alert rules and the Grafana
 * dashboard parse and query tickfan's metrics.
 */
class DeployFilesTest {
    private static final Path DEPLOY = Path.of("..", "deploy");

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents(Path file) throws IOException {
        final LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        final List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file)) {
            for (Object doc : new Yaml(options).loadAll(r)) {
                if (doc != null) {
                    assertTrue(doc instanceof Map, file + ": a document is not a mapping");
                    docs.add((Map<String, Object>) doc);
                }
            }
        }
        return docs;
    }

    private static List<Map<String, Object>> manifests() throws IOException {
        final List<Map<String, Object>> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("k8s"))) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (Map<String, Object> doc : documents(f)) {
                    assertNotNull(doc.get("apiVersion"), f + ": apiVersion");
                    assertNotNull(doc.get("kind"), f + ": kind");
                    assertNotNull(map(doc, "metadata").get("name"), f + ": metadata.name");
                    all.add(doc);
                }
            }
        }
        return all;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String... path) {
        Map<String, Object> cur = m;
        for (String key : path) {
            final Object next = cur.get(key);
            assertTrue(next instanceof Map, "no mapping at " + key + " in " + cur.keySet());
            cur = (Map<String, Object>) next;
        }
        return cur;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> m, String key) {
        final Object value = m.get(key);
        assertTrue(value instanceof List, "no list at " + key);
        return (List<Object>) value;
    }

    private static Map<String, Object> only(List<Map<String, Object>> docs, String kind, String name) {
        final List<Map<String, Object>> found = docs.stream()
                .filter(d -> kind.equals(d.get("kind"))
                        && name.equals(map(d, "metadata").get("name")))
                .toList();
        assertEquals(1, found.size(), kind + " " + name);
        return found.get(0);
    }

    @SuppressWarnings("unchecked")
    @Test
    void shouldDeployWithProbesDrainAndGraceLongerThanTheDrainWindow() throws IOException {
        final List<Map<String, Object>> docs = manifests();
        final Map<String, Object> deployment = only(docs, "Deployment", "tickfan");
        final Map<String, Object> pod = map(deployment, "spec", "template", "spec");
        final Map<String, Object> container =
                (Map<String, Object>) list(pod, "containers").get(0);
        assertEquals("/ready", map(container, "readinessProbe", "httpGet").get("path"));
        assertEquals("/health", map(container, "livenessProbe", "httpGet").get("path"));
        assertFalse(map(container, "lifecycle", "preStop").isEmpty(), "preStop");

        final String properties =
                (String) map(only(docs, "ConfigMap", "tickfan-config"), "data").get("tickfan.properties");
        final Set<String> known =
                ServerConfig.settings().stream().map(Setting::key).collect(Collectors.toSet());
        long drainWindowMs = Long.parseLong(ServerConfig.DRAIN_WINDOW_MS.defaultValue());
        for (String line : properties.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final String key = line.substring(0, line.indexOf('=')).strip();
            assertTrue(known.contains(key), "unknown setting in the ConfigMap: " + key);
            if (key.equals(ServerConfig.DRAIN_WINDOW_MS.key())) {
                drainWindowMs =
                        Long.parseLong(line.substring(line.indexOf('=') + 1).strip());
            }
        }
        final int graceSeconds = (Integer) pod.get("terminationGracePeriodSeconds");
        assertTrue(
                graceSeconds * 1000L > drainWindowMs + 5000,
                "terminationGracePeriodSeconds " + graceSeconds + " must exceed drain.windowMs " + drainWindowMs
                        + " plus the preStop pause");

        only(docs, "PodDisruptionBudget", "tickfan");
        only(docs, "Service", "tickfan");
        only(docs, "Service", "tickfan-redis");
        only(docs, "StatefulSet", "tickfan-redis");
        final Map<String, Object> hpa = only(docs, "HorizontalPodAutoscaler", "tickfan");
        final Map<String, Object> metric =
                (Map<String, Object>) list(map(hpa, "spec"), "metrics").get(0);
        assertEquals("tickfan_connections", map(metric, "pods", "metric").get("name"));
    }

    @SuppressWarnings("unchecked")
    @Test
    void shouldParseAlertRulesAndDashboardOverTickfanMetrics() throws IOException {
        final List<Map<String, Object>> rules =
                documents(DEPLOY.resolve("prometheus").resolve("alerts.yaml"));
        assertEquals(1, rules.size());
        int alerts = 0;
        for (Object g : list(rules.get(0), "groups")) {
            for (Object r : list((Map<String, Object>) g, "rules")) {
                final Map<String, Object> rule = (Map<String, Object>) r;
                assertNotNull(rule.get("alert"));
                assertTrue(((String) rule.get("expr")).contains("tickfan_"), rule.get("alert") + " expr");
                alerts++;
            }
        }
        assertTrue(alerts >= 4, "pod not ready, bridge lag, slow-consumer closes, refusals at least");
        // JSON is YAML: the same parser checks the dashboard.
        final Map<String, Object> dashboard = documents(
                        DEPLOY.resolve("grafana").resolve("tickfan-dashboard.json"))
                .get(0);
        assertFalse(list(dashboard, "panels").isEmpty());
    }
}
