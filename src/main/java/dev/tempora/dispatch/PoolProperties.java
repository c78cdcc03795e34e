package dev.tempora.dispatch;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * {@code tempora.pools.<name>.size}: the worker pools. Pool {@code default} always exists.
 *
 * @param pools each pool's settings by name
 */
@Validated
@ConfigurationProperties("tempora")
public record PoolProperties(Map<String, @Valid Pool> pools) {

    public PoolProperties {
        pools = pools == null ? Map.of() : Map.copyOf(pools);
    }

    /**
     * One pool.
     *
     * @param size worker threads, 1 to 1024; {@code min(32, cores + 4)} when unset (the default of
     *     Python's {@code ThreadPoolExecutor})
     */
    public record Pool(
            @Min(WorkerPool.MIN_SIZE) @Max(WorkerPool.MAX_SIZE)
            Integer size) {}
}
