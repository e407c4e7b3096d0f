package io.tickfan.server.metrics;

/** What {@code /metrics} calls, on either port: one scrape of every registered metric. */
public interface MetricsScraper {
    /** One scrape's answer: the body and its content type. */
    record Scrape(byte[] body, String contentType) {}

    /** Every metric, as OpenMetrics when {@code accept} asks for it, else the Prometheus text format. */
    Scrape scrape(String accept);
}
