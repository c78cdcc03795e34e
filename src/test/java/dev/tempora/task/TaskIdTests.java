package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

class TaskIdTests {

    @Test
    void idsAreVersion7AndStrictlyIncreasingEvenWithinOneMillisecond() {
        var frozen = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
        var ids = new ArrayList<TaskId>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(TaskId.next(frozen));
        }
        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i)).isGreaterThan(ids.get(i - 1));
            assertThat(ids.get(i).toString()).isGreaterThan(ids.get(i - 1).toString());
        }
        assertThat(ids.getFirst().value().version()).isEqualTo(7);
        assertThat(ids.getFirst().value().variant()).isEqualTo(2);
    }

    @Test
    void idsCompareUnsignedSoTheyOrderByTime() {
        var early = TaskId.parse("7fffffff-ffff-7fff-bfff-ffffffffffff").orElseThrow();
        var late = TaskId.parse("80000000-0000-7000-8000-000000000000").orElseThrow();
        assertThat(early).isLessThan(late);
    }

    @Test
    void parseRefusesWhatIsNotAnId() {
        assertThat(TaskId.parse("nope")).isEmpty();
        assertThat(TaskId.parse(null)).isEmpty();
        assertThat(TaskId.parse("1-1-1-1-1")).isEmpty();
        assertThat(TaskId.parse("0193a5b4-0000-7000-8000-000000000000")).isPresent();
    }
}
