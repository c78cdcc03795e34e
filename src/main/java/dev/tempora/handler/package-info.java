/** Handlers: the {@link dev.tempora.handler.TaskHandler} interface, its registry and the built-ins. */
package dev.tempora.handler;
