package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("h2-only") // no database: the same in both runs
class TimestampsTests {

    /** Written right but naming no time: they were told to write an offset, which they had. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "2030-02-30T00:00:00Z",
                "2030-12-31T23:59:60Z",
                "2030-01-01T24:00:00Z",
                "2030-01-01T00:00:00+25:00"
            })
    void aTimeThatDoesNotExistIsSaidToBeSo(String text) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Timestamps.parse(text))
                .withMessageStartingWith("is not a date and time that exists (");
    }

    @Test
    void aTextThatIsNoTimestampIsToldTheForm() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Timestamps.parse("2030-01-01T00:00:00"))
                .withMessageStartingWith("must be an RFC 3339 timestamp with an offset");
    }
}
