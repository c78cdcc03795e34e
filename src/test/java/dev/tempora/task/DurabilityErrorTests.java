package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A checkpoint that throws an Error (not a RuntimeException) left its waiters uncompleted: the
 * group commit's thread survives it, and each submission or cancel waiting for that checkpoint
 * waited for ever. Found by review.
 */
class DurabilityErrorTests {

    @Test
    void aCheckpointThatThrowsAnErrorStillCompletesItsWaiters() throws Exception {
        var jdbc = mock(JdbcClient.class);
        when(jdbc.sql(anyString())).thenThrow(new StackOverflowError("test: checkpoint blew the stack"));
        var database = mock(DatabaseProduct.class);
        when(database.name()).thenReturn(Optional.of("H2"));
        var durability = new Durability(jdbc, database);
        try {
            var flushed = durability.flushSoon();
            boolean completed;
            try {
                flushed.handle((ok, failed) -> null).get(5, TimeUnit.SECONDS);
                completed = true;
            } catch (TimeoutException stuck) {
                completed = false;
            }
            assertThat(completed)
                    .as("the waiter of a checkpoint that threw an Error was completed within 5 s")
                    .isTrue();
        } finally {
            durability.destroy();
        }
    }
}
