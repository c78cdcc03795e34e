/**
 * Observability: the Micrometer meters scraped at {@code /actuator/prometheus} that are not the
 * workers' own (submissions, cancels, queue depth, the pools' executors), and the log line per
 * task state change. The workers' meters are in {@link dev.tempora.dispatch.DispatchMetrics}.
 */
package dev.tempora.observe;
