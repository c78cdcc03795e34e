/**
 * Outbound HTTP for every request Tempora makes on a user's behalf (the {@code http} handler,
 * webhooks), under one policy: http/https only, link-local (cloud metadata) always refused,
 * private ranges configurable, checked on the address actually connected to.
 */
package dev.tempora.outbound;
