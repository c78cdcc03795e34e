/**
 * Live views of the tasks: a change counter that lets polls of unchanged resources be answered
 * {@code 304 Not Modified} without a query, and a resumable Server-Sent Events stream of task
 * state changes ({@code GET /api/v1/events}).
 */
package dev.tempora.live;
