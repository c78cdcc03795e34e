package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which URLs get {@code DB_CLOSE_ON_EXIT=FALSE}; {@code DurabilityTests} shows what it changes at a stop. */
class H2ClosesWithTemporaTests {

    @Test
    void anEmbeddedDatabaseThatDoesNotSayOtherwiseIsKeptOpenUntilItIsClosed() {
        assertThat(H2ClosesWithTempora.keptOpenUntilClosed("jdbc:h2:file:/data/tempora"))
                .isEqualTo("jdbc:h2:file:/data/tempora;DB_CLOSE_ON_EXIT=FALSE");
        assertThat(H2ClosesWithTempora.keptOpenUntilClosed("jdbc:h2:./data/tempora;MODE=PostgreSQL;"))
                .isEqualTo("jdbc:h2:./data/tempora;MODE=PostgreSQL;DB_CLOSE_ON_EXIT=FALSE");
        assertThat(H2ClosesWithTempora.keptOpenUntilClosed("jdbc:h2:mem:t;DB_CLOSE_DELAY=-1"))
                .isEqualTo("jdbc:h2:mem:t;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE");
    }

    @Test
    void aUrlThatSaysSoItselfOrIsNotAnEmbeddedH2DatabasesIsLeftAsItIs() {
        for (var url : new String[] {
            "jdbc:h2:retry:./data/tempora;DB_CLOSE_ON_EXIT=FALSE",
            "jdbc:h2:file:/data/tempora;db_close_on_exit=true",
            // H2 refuses DB_CLOSE_ON_EXIT=FALSE beside it (found by review).
            "jdbc:h2:./data/tempora;auto_server=true",
            "jdbc:h2:tcp://localhost/~/tempora",
            "jdbc:h2:ssl://localhost/~/tempora",
            "jdbc:postgresql://127.0.0.1:5432/test"
        }) {
            assertThat(H2ClosesWithTempora.keptOpenUntilClosed(url)).isEqualTo(url);
        }
    }
}
