package dev.tally.server.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The one JSON configuration of the server: exact decimals in and out, strict parsing, ISO-8601 times. */
public final class Json {
    private Json() {
    }

    /**
     * A mapper that reads every JSON number with a fraction as {@link java.math.BigDecimal} (never double), rejects
     * duplicate keys and anything after the one JSON value of a document, writes decimals in plain notation, and
     * writes times as ISO-8601 strings.
     *
     * <p>Why trailing tokens fail: a request body is exactly one JSON value. Reading only the first value of
     * {@code {ev1}{ev2}} acknowledged one event and silently dropped the second (issue 11).
     */
    public static ObjectMapper mapper() {
        return JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .addModule(new JavaTimeModule())
                .build();
    }
}
