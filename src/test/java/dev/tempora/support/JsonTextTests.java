package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonTextTests {

    @Test
    void depthCountsArraysAndObjectsNotWhatStringsHold() {
        assertThat(JsonText.depth("1")).isZero();
        assertThat(JsonText.depth("\"[[{\"")).isZero();
        assertThat(JsonText.depth("[]")).isEqualTo(1);
        assertThat(JsonText.depth("{\"a\": [1, {\"b\": []}], \"c\": {}}")).isEqualTo(4);
        assertThat(JsonText.depth("[\"\\\"[\", [\"\\\\\"], {\"]\": [[]]}]")).isEqualTo(4);
    }
}
