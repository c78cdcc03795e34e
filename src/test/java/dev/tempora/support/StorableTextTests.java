package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StorableTextTests {

    @Test
    void aWholeCharacterIsStorableHalfOfOneIsNot() {
        assertThat(StorableText.storable("a\uD83D\uDE00b")).isTrue();
        assertThat(StorableText.storable(null)).isTrue();
        assertThat(StorableText.storable("a\uD83Db")).isFalse();
        assertThat(StorableText.storable("\uDE00")).isFalse();
        assertThat(StorableText.storable("\uD83D")).isFalse();
        assertThat(StorableText.storable("\uD83D\uD83D\uDE00")).isFalse();
        assertThat(StorableText.storable("a\u0000b")).isFalse();
    }

    @Test
    void whatCannotBeStoredIsReplacedAndTheRestKept() {
        assertThat(StorableText.of("a\u0000b")).isEqualTo("a\uFFFDb");
        assertThat(StorableText.of("\uD83D\uD83D\uDE00\uDE00")).isEqualTo("\uFFFD\uD83D\uDE00\uFFFD");
        assertThat(StorableText.of("x\uD83D")).isEqualTo("x\uFFFD");
        assertThat(StorableText.of("\uD83D\uDE00")).isEqualTo("\uD83D\uDE00");
        assertThat(StorableText.of(null)).isNull();
    }
}
