package dev.tempora.live;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code tempora.events.*}: the live event stream.
 *
 * @param buffer how many recent events are kept in memory, so that a client reconnecting with
 *     {@code Last-Event-ID} misses nothing; one further back is told to reload instead
 * @param heartbeat how often an idle stream gets a comment line, so proxies keep it open and a
 *     dead client is noticed
 * @param timeout how long one stream stays open; the client's {@code EventSource} then
 *     reconnects with {@code Last-Event-ID}, which bounds what a forgotten tab holds
 * @param maxSubscribers streams open at once on this instance; more are refused with 503
 * @param maxPending events waiting to be written to one slow client; past this its stream is
 *     closed, and it resumes from its {@code Last-Event-ID}
 */
@Validated
@ConfigurationProperties("tempora.events")
public record EventProperties(
        @DefaultValue("10000") @Min(100) int buffer,
        @DefaultValue("PT15S") @DurationMin(millis = 1) Duration heartbeat,
        @DefaultValue("PT10M") @DurationMin(millis = 1) Duration timeout,
        @DefaultValue("1000") @Min(1) int maxSubscribers,
        @DefaultValue("5000") @Min(10) int maxPending) {}
