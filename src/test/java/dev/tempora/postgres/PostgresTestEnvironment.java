package dev.tempora.postgres;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * In the {@code postgres-tests} run, points every Spring context of the tests at a fresh
 * PostgreSQL schema instead of H2. Contexts given a datasource on their command line (the child
 * processes of multi-instance tests) keep it.
 */
public class PostgresTestEnvironment implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!PostgresDatabase.selected() || PostgresDatabase.unavailable().isPresent()) {
            return;
        }
        var commandLine = environment.getPropertySources().get("commandLineArgs");
        if (commandLine != null && commandLine.containsProperty("spring.datasource.url")) {
            return;
        }
        // Small pools: the test contexts the cache keeps alive must not exhaust max_connections.
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "tempora-test-postgres",
                        Map.of(
                                "spring.datasource.url", PostgresDatabase.newSchema(),
                                "spring.datasource.hikari.maximum-pool-size", "4",
                                "spring.datasource.hikari.minimum-idle", "1")));
    }
}
