package dev.tempora.dispatch;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code tempora.pools.<name>.size}: the worker pools. Pool {@code default} always exists.
 *
 * @param pools each pool's settings by name
 */
@ConfigurationProperties("tempora")
public record PoolProperties(Map<String, Pool> pools) {

    public PoolProperties {
        pools = pools == null ? Map.of() : Map.copyOf(pools);
    }

    /**
     * One pool.
     *
     * @param size worker threads; for {@code default}, {@code min(32, cores + 4)} when unset (the
     *     default of Python's {@code ThreadPoolExecutor})
     */
    public record Pool(Integer size) {}
}
