package dev.tempora.dispatch;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code tempora.dispatch.*}: how tasks get from the database to the workers.
 *
 * @param lookAhead tasks due within this window are held in memory by the timer; later ones stay
 *     in the database until the window reaches them
 * @param loadInterval how often the loader looks for tasks it does not hold yet (restarts, tasks
 *     written by other instances, the window moving on)
 * @param maxInMemory at most this many unfinished tasks are held in memory at once; a larger
 *     backlog waits in the database and is loaded as workers drain it
 * @param claimBatch at most this many due tasks are reserved by one loader pass, and, while other
 *     instances are in the node list, tasks are reserved as they are submitted only while fewer
 *     than this many are in memory: small enough that instances sharing a database share a
 *     backlog, large enough to amortise the query
 * @param shutdownGrace on shutdown, running tasks get this long to finish before their workers are
 *     interrupted and the tasks left to run again at the next start
 */
@Validated
@ConfigurationProperties("tempora.dispatch")
public record DispatchProperties(
        @DefaultValue("PT10S") @DurationMin(millis = 1) Duration lookAhead,
        @DefaultValue("PT1S") @DurationMin(millis = 1) Duration loadInterval,

        @DefaultValue("20000") @Min(100) int maxInMemory,
        @DefaultValue("1000") @Min(1) int claimBatch,
        @DefaultValue("PT30S") @DurationMin(nanos = 0) Duration shutdownGrace) {}
