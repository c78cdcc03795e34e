package dev.tempora.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/** One DEBUG line per state change and a WARN per failure, each with the task id in the MDC. */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "logging.level.dev.tempora.observe.TaskChangeLog=DEBUG")
class TaskLogTests {

    @LocalServerPort
    int port;

    @Test
    void everyStateChangeIsOneDebugLineAndAFailureAWarningWithTheTaskIdInTheMdc(CapturedOutput output) {
        var api = new Api(port);
        var failed = api.submit("{\"handler\": \"fail\", \"args\": {\"message\": \"no luck\"}}");
        api.await(failed, Duration.ofSeconds(5));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            var lines = output.getOut()
                    .lines()
                    .filter(line -> line.contains("[" + failed + "]"))
                    .toList();
            assertThat(lines)
                    .filteredOn(line -> line.contains("DEBUG") && line.contains("TaskChangeLog"))
                    .extracting(line -> line.substring(line.lastIndexOf(failed) + failed.length() + 1))
                    .containsExactly("SCHEDULED (fail)", "RUNNING", "FAILED");
            assertThat(lines)
                    .filteredOn(line -> line.contains("WARN"))
                    .singleElement()
                    .asString()
                    .contains("fails", "no luck");
        });
    }
}
