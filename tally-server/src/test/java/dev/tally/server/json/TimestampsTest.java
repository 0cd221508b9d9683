package dev.tally.server.json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimestampsTest {

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-22T10:15:00Z", "2026-11-22T10:15:00.5Z", "2026-11-22T10:15:00.123456789Z",
        "2026-11-22T10:15:00+01:00", "2026-11-22T10:15:00.25-05:30", "2024-02-29T23:59:59+18:00",
        "2024-02-29T00:00:00-18:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
        "2026-03-29T01:30:00-00:00"})
    void parseCommonForm_commonForms_sameInstantAsOffsetDateTime(String text) {
        assertThat(Timestamps.parseCommonForm(text)).isEqualTo(OffsetDateTime.parse(text).toInstant());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-22t10:15:00z", "2026-11-22T10:15Z", "2026-11-22T10:15:00+01:00:30",
        "2026-11-22T10:15:00.Z", "2026-11-22T10:15:00.1234567890Z"})
    void parse_otherFormsOffsetDateTimeDecides_sameResult(String text) {
        assertThat(Timestamps.parseCommonForm(text)).isNull();
        assertSameAsOffsetDateTime(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-29T10:15:00Z", "2026-11-31T10:15:00Z", "2026-13-01T10:15:00Z",
        "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z", "2026-11-22T10:15:60Z", "2026-11-22T10:15:00+18:30",
        "2026-11-22T10:15:00+19:00", "2026-11-22T10:15:00", "2026-11-22 10:15:00Z", "2026-11-22T10:15:00ZZ",
        "2026-1-22T10:15:00Z", "+2026-11-22T10:15:00Z", "2026-11-22T10:15:00+0100", "yesterday", ""})
    void parse_invalid_throwsLikeOffsetDateTime(String text) {
        assertThat(Timestamps.parseCommonForm(text)).isNull();
        assertThatThrownBy(() -> Timestamps.parse(text)).isInstanceOf(DateTimeParseException.class);
    }

    @Test
    void parse_randomInstantsAndOffsets_agreeWithOffsetDateTime() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            Instant t = Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 253_000_000_000L),
                    random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000));
            int offsetMinutes = random.nextInt(4) == 0 ? 0 : random.nextInt(-18 * 60, 18 * 60 + 1);
            String text = t.atOffset(ZoneOffset.ofTotalSeconds(offsetMinutes * 60)).toString();
            assertSameAsOffsetDateTime(text);
            assertThat(Timestamps.parse(text)).as(text).isEqualTo(t);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-22T10:15:00Z", "2026-11-22T10:15:00.123456789Z", "2026-11-22T10:15:00+01:00",
        "2026-11-22t10:15:00z", "2026-11-22T10:15Z"})
    void parse_charactersInsideALargerBuffer_sameAsTheString(String text) {
        // The fast reader hands over the parser's buffer: the text sits between other characters.
        char[] buffer = ("\"x\":\"" + text + "\",\"y\"").toCharArray();
        assertThat(Timestamps.parse(buffer, 5, text.length())).isEqualTo(Timestamps.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-29T10:15:00Z", "2026-11-22T10:15:00+19:00", "yesterday"})
    void parse_invalidCharactersInsideALargerBuffer_throws(String text) {
        char[] buffer = ("[\"" + text + "Z\"]").toCharArray();
        assertThatThrownBy(() -> Timestamps.parse(buffer, 2, text.length()))
                .isInstanceOf(DateTimeParseException.class);
    }

    private static void assertSameAsOffsetDateTime(String text) {
        Instant expected;
        try {
            expected = OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            assertThatThrownBy(() -> Timestamps.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
            return;
        }
        assertThat(Timestamps.parse(text)).as(text).isEqualTo(expected);
    }
}
