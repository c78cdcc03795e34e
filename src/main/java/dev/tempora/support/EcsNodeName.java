package dev.tempora.support;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Names this instance in ECS logs ({@code --logging.structured.format.console=ecs}): its
 * {@code service.node.name} is {@code <host>-<pid>}, as its node id begins ({@code
 * <host>-<pid>-<8 random characters>}, renewed when it rejoins the node list, with a host name
 * of over 50 characters cut to 50 there), unless {@code
 * logging.structured.ecs.service.node-name} is set. Spring Boot otherwise wrote an empty {@code
 * "node":{}}, and the lines of instances sharing a database could not be told apart by it.
 */
class EcsNodeName implements EnvironmentPostProcessor {

    static final String PROPERTY = "logging.structured.ecs.service.node-name";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.containsProperty(PROPERTY)) {
            var name = HostName.local().orElse("node") + "-"
                    + ProcessHandle.current().pid();
            environment
                    .getPropertySources()
                    .addLast(new MapPropertySource("tempora-ecs-node-name", Map.of(PROPERTY, name)));
        }
    }
}
