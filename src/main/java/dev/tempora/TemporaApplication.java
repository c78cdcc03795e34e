package dev.tempora;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Tempora: a durable REST scheduling service with {@code sched}/{@code Future} semantics. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TemporaApplication {

    public static void main(String[] args) {
        SpringApplication.run(TemporaApplication.class, args);
    }
}
