package dev.tally.server.json;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RepeatedStringsTest {
    private final RepeatedStrings strings = new RepeatedStrings();

    private String of(String s) {
        // Inside a larger buffer, as the parser hands its characters over.
        char[] buffer = ("xx" + s + "yy").toCharArray();
        return strings.of(buffer, 2, s.length());
    }

    @Test
    void of_sameCharacters_theSameStringAgain() {
        String first = of("cust-07");
        assertThat(first).isEqualTo("cust-07");
        assertThat(of("cust-07")).isSameAs(first);
        assertThat(of("cust-08")).isEqualTo("cust-08").isNotSameAs(first);
    }

    @Test
    void of_differentStringsOfTheSameHash_eachAnsweredWithItsOwnCharacters() {
        // "Aa" and "BB" have the same String.hashCode, so they share a slot and take it from each other.
        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
        for (int i = 0; i < 3; i++) {
            assertThat(of("Aa")).isEqualTo("Aa");
            assertThat(of("BB")).isEqualTo("BB");
        }
        assertThat(of("A")).isEqualTo("A");
        assertThat(of("")).isEmpty();
    }
}
