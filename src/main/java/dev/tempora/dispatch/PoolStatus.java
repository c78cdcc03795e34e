package dev.tempora.dispatch;

/** A pool as {@code GET /api/v1/pools} shows it. */
public record PoolStatus(
        String name, int size, int activeThreads, int queued, long completedTasks, int largestPoolSize) {}
