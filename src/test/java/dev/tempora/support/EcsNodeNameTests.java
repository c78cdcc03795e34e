package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

/** ECS logs name the instance ({@code service.node.name}) as its node id begins: they wrote {@code "node":{}}. */
@Tag("h2-only") // no database
class EcsNodeNameTests {

    @Test
    void anInstanceIsNamedByItsHostAndPid() {
        var environment = new MockEnvironment();

        new EcsNodeName().postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty(EcsNodeName.PROPERTY))
                .isEqualTo(HostName.local().orElse("node") + "-"
                        + ProcessHandle.current().pid());
    }

    @Test
    void aNameSetByTheOperatorStays() {
        var environment = new MockEnvironment().withProperty(EcsNodeName.PROPERTY, "tempora-a");

        new EcsNodeName().postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty(EcsNodeName.PROPERTY)).isEqualTo("tempora-a");
    }
}
