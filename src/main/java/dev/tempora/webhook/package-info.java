/**
 * Webhooks: {@code Future.add_done_callback} over HTTP. An outbox row per event, written in the
 * transaction that ends the task; sending after commit, signed per Standard Webhooks, retried on a
 * schedule, surviving restarts; the deliveries and their attempts readable over the API.
 */
package dev.tempora.webhook;
