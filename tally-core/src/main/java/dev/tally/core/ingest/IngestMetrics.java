package dev.tally.core.ingest;

/**
 * Told what became of the events of every ingestion request, for operational metrics (events accepted, duplicate,
 * rejected). The core stays free of any metrics library: the server implements this with its own.
 *
 * <p>Rejections are reported when the request is checked, before anything is stored (a request whose events are all
 * rejected included); accepted events and duplicates once their commit is done. A request whose commit fails reports
 * its rejections only: none of its events was acknowledged. Implementations must be quick and must not throw.
 */
public interface IngestMetrics {
    /** Metrics that record nothing. */
    IngestMetrics NONE = new IngestMetrics() {
        @Override
        public void rejected(int events) {
        }

        @Override
        public void committed(int accepted, int duplicates) {
        }
    };

    /** {@code events} of a request were refused (invalid, unknown customer, outside the accepted time window). */
    void rejected(int events);

    /** A request's events are committed: {@code accepted} stored now, {@code duplicates} already stored before. */
    void committed(int accepted, int duplicates);
}
