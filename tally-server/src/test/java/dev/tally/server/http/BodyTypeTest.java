package dev.tally.server.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class BodyTypeTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "NONE", value = {
        "NONE, JSON",
        "application/json, JSON",
        "Application/JSON; charset=UTF-8, JSON",
        "application/x-www-form-urlencoded, JSON",
        "application/cloudevents+json, CLOUDEVENT",
        "application/cloudevents+json; charset=utf-8, CLOUDEVENT",
        "application/cloudevents-batch+json, CLOUDEVENT_BATCH",
        "text/plain, NONE",
        "multipart/form-data; boundary=x, NONE",
        "application/problem+json, NONE",
        "text/json, NONE"})
    void of_contentType_isTheBodyTypeOrNullFor415(String contentType, BodyType expected) {
        assertThat(BodyType.of(contentType)).isEqualTo(expected);
    }
}
