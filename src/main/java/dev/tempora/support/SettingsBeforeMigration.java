package dev.tempora.support;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Binds and validates Tempora's settings ({@code tempora.*}) before Flyway migrates: a nonsense
 * setting then stops the start before anything touches the database. Settings are otherwise bound
 * as the beans that use them are made, and a bad pool size ({@code tempora.pools.*.size}) was
 * reported only once the schema had been migrated and a webhook signing secret generated, stored
 * and logged (README audit).
 */
@Configuration(proxyBeanMethods = false)
class SettingsBeforeMigration {

    private static final String OURS = "dev.tempora.";

    @Bean
    FlywayMigrationStrategy migrateOnceSettingsHold(ListableBeanFactory beans) {
        return flyway -> {
            for (var name : beans.getBeanNamesForAnnotation(ConfigurationProperties.class)) {
                var type = beans.getType(name);
                if (type != null && type.getName().startsWith(OURS)) {
                    beans.getBean(name);
                }
            }
            flyway.migrate();
        };
    }
}
